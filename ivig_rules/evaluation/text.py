"""The readable summary of one recommendation that ``ivig-rules evaluate`` prints."""

from __future__ import annotations

from types import MappingProxyType

from .._excerpt import bounded
from .._text import plural
from ..logic.fact_space import show_value
from ..model import Vocabulary
from .dosing import Dose, Regimen
from .recommendation import Recommendation

__all__ = ["to_text", "dose_lines"]

_VERDICT_TEXT = MappingProxyType({
    "recommended": "IVIG RECOMMENDED",
    "consider": "CONSIDER IVIG",
    "not_yet": "IVIG NOT YET",
    "not_indicated": "IVIG NOT INDICATED",
    "contraindicated": "IVIG CONTRAINDICATED",
    "no_guidance": "NO GUIDANCE: THE SOURCES SAY NOTHING ABOUT IVIG FOR THIS PATIENT",
    "specialist_review": "NO GO-AHEAD: THE SOURCES DISAGREE, SPECIALIST REVIEW BEFORE ANY IVIG",
})


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _regimen_lines(r: Dose | Regimen) -> list[str]:
    """The regimen in words: grams per kg, per what, over how many days, how often."""
    per = {"course": "per course", "day": "per day", "infusion": "per infusion"}[r.per]
    rng = f" (range {_g(r.g_per_kg_range[0])}-{_g(r.g_per_kg_range[1])})" if r.g_per_kg_range else ""
    days = f"over {plural(r.days, 'day')}"
    if r.days_range:
        days += f" (range {r.days_range[0]}-{r.days_range[1]})"
    lines = [f"Dose ({r.therapy}, {r.phase}): {_g(r.g_per_kg)} g/kg {per}{rng}, {days}"]
    if r.interval_weeks is not None:
        iv = f"every {_g(r.interval_weeks)} weeks"
        if r.interval_weeks_range:
            iv += f" (range {_g(r.interval_weeks_range[0])}-{_g(r.interval_weeks_range[1])})"
        lines.append(f"  repeated {iv}")
    return lines


def dose_lines(rec: Recommendation) -> list[str]:
    """The dose for this patient; without a weight, the regimen per kg and why no grams are shown (fail safe)."""
    d = rec.dose
    if d is None:
        if rec.regimen is None:
            return []
        lines = _regimen_lines(rec.regimen)
        lines.append("  dose in grams: not worked out; it needs the body weight, which was not recorded "
                     "(weigh the patient before prescribing)")
        return lines + _limit_lines(rec.regimen)
    lines = _regimen_lines(d)
    ideal = f", IBW {_g(d.ideal_body_weight_kg)} kg" if d.ideal_body_weight_kg is not None else ""
    lines.append(f"  dosing weight {_g(d.dosing_weight_kg)} kg ({d.weight_basis}{ideal})")
    total = f"  {_g(d.per_day_g)} g per day, {_g(d.total_g)} g in all"
    if d.rounded_total_g is not None:
        total += f" (rounded to {_g(d.rounded_total_g)} g)"
    lines.append(total)
    lines.extend(_limit_lines(d))
    for note in d.notes:
        lines.append(f"  note: {note}")
    return lines


def _limit_lines(r: Dose | Regimen) -> list[str]:
    lines = [f"  at most {_g(r.max_g_per_day)} g per day"] if r.max_g_per_day is not None else []
    if r.then:
        lines.append(f"  then: {r.then}")
    return lines


def _cited(citations, numbers: dict) -> str:
    """' [1, 3]': the numbers of these citations in the list at the end."""
    shown = [str(n) for n in sorted({numbers[c] for c in citations if c in numbers})]
    return f" [{', '.join(shown)}]" if shown else ""


def _head(rec: Recommendation) -> list[str]:
    lines = [f"  {_VERDICT_TEXT[rec.ivig]}"]
    if rec.pathway_verdict and rec.pathway_verdict != rec.ivig:
        lines.append(f"  (the pathway alone: {_VERDICT_TEXT[rec.pathway_verdict]})")
    return lines


def _conflict_lines(rec: Recommendation, numbers: dict) -> list[str]:
    lines = []
    for conflict in rec.conflicts:
        facts = ", ".join(f"{k}: {show_value(v)}" for k, v in conflict.facts)
        lines.append(f"Sources disagree ({facts}): {conflict.summary}")
        for position in conflict.positions:
            who = "this pathway" if position.role == "pathway" else "another source"
            lines.append(f"  - {who}: {position.says}{_cited(position.citations, numbers)}")
    return lines


def to_text(rec: Recommendation, vocab: Vocabulary) -> str:
    numbers = {c: i for i, c in enumerate(rec.citations, 1)}
    who = f" for {bounded(rec.patient_id, 200)}" if rec.patient_id else ""  # escaped: a terminal must not act on it
    lines = [
        f"{rec.pathway_title} (pathway {rec.pathway} v{rec.ruleset_version}, engine {rec.engine}){who}",
        "",
        *_head(rec),
        "",
    ]
    lines.extend(_conflict_lines(rec, numbers))
    if rec.not_recorded:
        names = ", ".join(rec.not_recorded)
        lines.append(f"Not recorded (check before the first infusion; see the alerts): {names}")
    if rec.next_step:
        therapy = vocab.therapies[rec.next_step].label
        combined = ""
        if rec.with_therapies:
            combined = " together with " + ", ".join(vocab.therapies[t].label for t in rec.with_therapies)
        lines.append(f"Next step: {rec.step_label} ({therapy}{combined}), line {rec.line_of_therapy}")
    else:
        lines.append("Next step: none named by the pathway")
    lines.extend(dose_lines(rec))
    if rec.review is not None:
        lines.append(f"Review: {rec.review.text}{_cited(rec.review.citations, numbers)}")
    if rec.evidence:
        lines.append(f"Evidence: {vocab.evidence_levels[rec.evidence].label}")
    if rec.alerts:
        lines.append("Alerts:")
        for alert in rec.alerts:
            lines.append(f"  [{alert.severity}] {alert.id}: {alert.message}{_cited(alert.citations, numbers)}")
    if rec.monitoring:
        lines.append("Monitor for:")
        lines.extend(f"  - {m.text}{_cited(m.citations, numbers)}" for m in rec.monitoring)
    if rec.administration:
        lines.append("Administration:")
        lines.extend(f"  - {a.text}{_cited(a.citations, numbers)}" for a in rec.administration)
    for note in rec.notes:
        lines.append(f"Note: {note}")
    lines.append(f"Rules fired: {', '.join(rec.rules_fired)}")
    lines.append("Citations:")
    lines.extend(f"  [{n}] {c.text or c}" for c, n in numbers.items())
    lines.append("")
    lines.append("Decision support for review by a clinician; not medical advice.")
    return "\n".join(lines)
