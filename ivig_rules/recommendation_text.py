"""The readable summary of one recommendation that ``ivig-rules evaluate`` prints."""

from __future__ import annotations

from types import MappingProxyType

from ._excerpt import bounded
from ._text import plural
from .model import Vocabulary
from .recommend import Recommendation

__all__ = ["to_text"]

_VERDICT_TEXT = MappingProxyType({
    "recommended": "IVIG RECOMMENDED",
    "consider": "CONSIDER IVIG",
    "not_yet": "IVIG NOT YET",
    "not_indicated": "IVIG NOT INDICATED",
    "contraindicated": "IVIG CONTRAINDICATED",
})


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _dose_lines(rec: Recommendation) -> list[str]:
    d = rec.dose
    if d is None:
        return []
    per = {"course": "per course", "day": "per day", "infusion": "per infusion"}[d.per]
    rng = f" (range {_g(d.g_per_kg_range[0])}-{_g(d.g_per_kg_range[1])})" if d.g_per_kg_range else ""
    days = f"over {plural(d.days, 'day')}"
    if d.days_range:
        days += f" (range {d.days_range[0]}-{d.days_range[1]})"
    lines = [f"Dose ({d.therapy}, {d.phase}): {_g(d.g_per_kg)} g/kg {per}{rng}, {days}"]
    if d.interval_weeks is not None:
        iv = f"every {_g(d.interval_weeks)} weeks"
        if d.interval_weeks_range:
            iv += f" (range {_g(d.interval_weeks_range[0])}-{_g(d.interval_weeks_range[1])})"
        lines.append(f"  repeated {iv}")
    ideal = f", IBW {_g(d.ideal_body_weight_kg)} kg" if d.ideal_body_weight_kg is not None else ""
    lines.append(f"  dosing weight {_g(d.dosing_weight_kg)} kg ({d.weight_basis}{ideal})")
    total = f"  {_g(d.per_day_g)} g per day, {_g(d.total_g)} g in all"
    if d.rounded_total_g is not None:
        total += f" (rounded to {_g(d.rounded_total_g)} g)"
    lines.append(total)
    if d.max_g_per_day is not None:
        lines.append(f"  at most {_g(d.max_g_per_day)} g per day")
    if d.then:
        lines.append(f"  then: {d.then}")
    for note in d.notes:
        lines.append(f"  note: {note}")
    return lines


def to_text(rec: Recommendation, vocab: Vocabulary) -> str:
    who = f" for {bounded(rec.patient_id, 200)}" if rec.patient_id else ""  # escaped: a terminal must not act on it
    lines = [
        f"{rec.pathway_title} (pathway {rec.pathway} v{rec.ruleset_version}, engine {rec.engine}){who}",
        "",
        f"  {_VERDICT_TEXT[rec.ivig]}",
        "",
    ]
    if rec.next_step:
        therapy = vocab.therapies[rec.next_step].label
        combined = ""
        if rec.with_therapies:
            combined = " together with " + ", ".join(vocab.therapies[t].label for t in rec.with_therapies)
        lines.append(f"Next step: {rec.step_label} ({therapy}{combined}), line {rec.line}")
    else:
        lines.append("Next step: none named by the pathway")
    lines.extend(_dose_lines(rec))
    if rec.evidence:
        lines.append(f"Evidence: {vocab.evidence_levels[rec.evidence].label}")
    if rec.alerts:
        lines.append("Alerts:")
        for alert in rec.alerts:
            lines.append(f"  [{alert.severity}] {alert.id}: {alert.message}")
    for note in rec.notes:
        lines.append(f"Note: {note}")
    lines.append(f"Rules fired: {', '.join(rec.rules_fired)}")
    lines.append("Citations: " + "; ".join(str(c) for c in rec.citations))
    lines.append("")
    lines.append("Decision support for review by a clinician; not medical advice.")
    return "\n".join(lines)
