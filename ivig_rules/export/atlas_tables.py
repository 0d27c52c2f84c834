"""The atlas's tables as rows of HTML cells: steps, doses, rules, the safety screening, alerts and
the structure findings. Every piece of ruleset text goes through :func:`esc`; doses are shown as
doses (the sources' range and the default), never by their regimen id.
"""

from __future__ import annotations

from typing import Sequence

from ..evaluation.dosing import course_g_per_kg
from ..graph.checks import GraphFinding
from ..graph.labels import amount_text, condition_text, dose_words
from ..model import WEIGHT_MISSING, Amount, Catalogue, Pathway
from .atlas_html import References, badge, esc, table

__all__ = ["conflicts_html", "dose_rows", "rule_rows", "screening_rows", "alert_rows", "findings_html", "steps_table", "verdicts_html"]


def _verdict(catalogue: Catalogue, verdict: str | None) -> str:
    if verdict is None:
        return badge(None, "")
    return badge(verdict, catalogue.vocabulary.verdicts[verdict].label)


def _amount(amount: Amount | None, unit: str = "", scale: float = 1.0) -> tuple[str, str]:
    """(default, range) cells."""
    if amount is None:
        return '<span class="muted">-</span>', '<span class="muted">-</span>'
    default = esc(f"{round(amount.default * scale, 6):g}{unit}")
    full = amount_text(amount.default, amount.minimum, amount.maximum, scale)
    if full == f"{round(amount.default * scale, 6):g}":
        return default, '<span class="muted">none given</span>'
    return default, esc(full + unit)


def dose_rows(pathway: Pathway, refs: References, catalogue: Catalogue) -> list[list[str]]:
    rows = []
    for regimen in pathway.doses.values():
        small = regimen.g_per_kg.default < 0.1
        unit, scale = (" mg/kg", 1000.0) if small else (" g/kg", 1.0)
        amount, amount_range = _amount(regimen.g_per_kg, unit, scale)
        days, days_range = _amount(regimen.days)
        interval, interval_range = _amount(regimen.interval_weeks, " weeks")
        used_by = [s.label for s in pathway.steps.values() if s.dose == regimen.id]
        course = course_g_per_kg(regimen) if regimen.therapy == "ivig" else None
        extra = [f"at most {regimen.max_g_per_day:g} g/day"] if regimen.max_g_per_day is not None else []
        extra.append(f"weight: {regimen.weight_basis}")
        if course is not None:
            extra.append(f"default course {course:g} g/kg")
        if regimen.then:
            extra.append(f"then: {regimen.then}")
        rows.append([
            f"<strong>{esc(dose_words(regimen))}</strong><br>"
            + (esc("for: " + "; ".join(used_by)) if used_by else '<span class="muted">an alternative no step uses</span>'),
            esc(f"{catalogue.vocabulary.therapies[regimen.therapy].label}, {regimen.phase}"),
            f"{amount} per {esc(regimen.per)}",
            amount_range,
            days,
            days_range,
            f"{interval}<br>{interval_range}" if regimen.interval_weeks else interval,
            "<br>".join(esc(e) for e in extra),
            esc(regimen.notes) or '<span class="muted">-</span>',
            refs.cite(regimen.citations),
        ])
    return rows


def _place_text(pathway: Pathway, rule_id: str, shown: dict[str, list[str]]) -> str:
    place = pathway.teaching.rules.get(rule_id) if pathway.teaching else None
    if place is None:
        return '<span class="finding-error">no place yet</span>'
    where = {"arrow": "arrow", "exception": "exceptions panel", "note": "note"}[place.place]
    notes = [w.split(" ", 1)[1] for w in shown.get(rule_id, []) if w.startswith("note ")]
    if notes:
        where = "note " + ", ".join(notes)
    return f"{esc(where)}: {esc(place.label)}"


def rule_rows(pathway: Pathway, refs: References, catalogue: Catalogue, shown: dict[str, list[str]]) -> list[list[str]]:
    vocab = catalogue.vocabulary
    rows = []
    for index, rule in enumerate(pathway.rules, 1):
        step = pathway.steps.get(rule.then.next_step) if rule.then.next_step else None
        origin = " / ".join("entry" if p == "start" else pathway.steps[p].label for p in rule.from_steps)
        outcome = [_verdict(catalogue, rule.then.ivig)]
        if step is not None:
            outcome.append(f"next: {esc(step.label)}")
        if rule.then.alerts:
            outcome.append("alerts: " + esc(", ".join(rule.then.alerts)))
        evidence = esc(vocab.evidence_levels[rule.evidence].label) if rule.evidence else '<span class="muted">not stated</span>'
        rows.append([
            str(index),
            f'{esc(rule.description) or esc(rule.id)}<br><code id="rule-{esc(rule.id)}">{esc(rule.id)}</code>',
            f'<span class="muted">after {esc(origin)}:</span> {esc(condition_text(rule.when, vocab))}',
            "<br>".join(outcome),
            f"{evidence}<br>{refs.cite(rule.citations)}",
            esc(rule.notes) or '<span class="muted">-</span>',
            _place_text(pathway, rule.id, shown),
        ])
    return rows


def screening_rows(catalogue: Catalogue, refs: References) -> list[list[str]]:
    vocab = catalogue.vocabulary
    rows = []
    for rule in catalogue.screening.rules:
        effect = [_verdict(catalogue, rule.then.ivig)] if rule.then.ivig else []
        effect += [esc(a) for a in rule.then.alerts]
        rows.append([
            f"<code>{esc(rule.id)}</code><br>{esc(rule.description)}",
            esc(condition_text(rule.when, vocab)),
            "<br>".join(effect),
            esc(vocab.evidence_levels[rule.evidence].label) if rule.evidence else '<span class="muted">not stated</span>',
            refs.cite(rule.citations),
            esc(rule.notes) or '<span class="muted">-</span>',
        ])
    return rows


def _alert_sources(pathway: Pathway, catalogue: Catalogue) -> dict[str, list[str]]:
    raised: dict[str, list[str]] = {}
    for rule in catalogue.screening.rules:
        for alert in rule.then.alerts:
            raised.setdefault(alert, []).append(f"screening rule {rule.id}")
    for rule in pathway.rules:
        for alert in rule.then.alerts:
            raised.setdefault(alert, []).append(f"pathway rule {rule.id}")
    if pathway.doses:  # the vocabulary always defines it (loading checks)
        raised.setdefault(WEIGHT_MISSING, []).append("dosing, when no body weight is given")
    order = list(catalogue.vocabulary.alerts)
    return dict(sorted(raised.items(), key=lambda kv: order.index(kv[0])))


def alert_rows(pathway: Pathway, catalogue: Catalogue, refs: References) -> list[list[str]]:
    rows = []
    for alert_id, raised_by in _alert_sources(pathway, catalogue).items():
        spec = catalogue.vocabulary.alerts[alert_id]
        intervals = "<br>".join(
            esc(f"after up to {v.up_to_g_per_kg:g} g/kg: {v.months} months") for v in spec.vaccine_intervals
        ) or '<span class="muted">-</span>'
        rows.append([
            f"<code>{esc(alert_id)}</code>",
            f'<span class="sev-{esc(spec.severity)}">{esc(spec.severity)}</span>',
            "<br>".join(esc(r) for r in raised_by),
            esc(spec.message) + (f'<br><span class="muted">{esc(spec.notes)}</span>' if spec.notes else ""),
            intervals,
            refs.cite(spec.citations),
        ])
    return rows


def findings_html(findings: Sequence[GraphFinding]) -> str:
    if not findings:
        return "<p>No unreachable steps, loops or dead ends.</p>"
    items = "".join(
        f'<li><span class="finding-{esc(f.severity)}">{esc(f.severity)}: {esc(f.kind)}</span> {esc(f.message)}</li>'
        for f in findings
    )
    return f"<ul>{items}</ul>"


def steps_table(pathway: Pathway, refs: References, catalogue: Catalogue) -> str:
    vocab = catalogue.vocabulary
    rows = []
    for step in sorted(pathway.steps.values(), key=lambda s: s.line_of_therapy):
        therapy = vocab.therapies[step.therapy].label
        if step.with_therapies:
            therapy += " with " + ", ".join(vocab.therapies[t].label for t in step.with_therapies)
        regimen = pathway.doses.get(step.dose) if step.dose else None
        rows.append([
            str(step.line_of_therapy),
            esc(step.label),
            esc(therapy),
            esc(dose_words(regimen)) if regimen else '<span class="muted">no regimen in the sources</span>',
            esc(step.notes) or '<span class="muted">-</span>',
            refs.cite(step.citations),
        ])
    return table(["Line", "Step", "Therapy", "Dose", "Notes", "Sources"], rows, cls="steps", widths=(6, 22, 14, 20, 28, 10))


def verdicts_html(pathway: Pathway, catalogue: Catalogue, refs: References) -> str:
    """What the pathway answers, verdict by verdict in the vocabulary's order: each verdict's
    meaning, then the situations that give it (where the sources are silent, the verdict that
    says so has its own list)."""
    vocab = catalogue.vocabulary
    parts = []
    for verdict, term in vocab.verdicts.items():
        rules = [r for r in pathway.rules if r.then.ivig == verdict]
        if not rules:
            continue
        items = "".join(
            f"<li>{esc(r.description or r.id)} {refs.cite(r.citations)}</li>" for r in rules
        )
        parts.append(
            f'<div class="verdict-group" id="verdict-{esc(verdict)}"><h3>{badge(verdict, term.label)}</h3>'
            f'<p class="muted">{esc(term.description)}</p><ul>{items}</ul></div>'
        )
    return "".join(parts)


def conflicts_html(catalogue: Catalogue, refs: References) -> str:
    """Where the sources disagree: each conflict a screening rule raises, what each side says."""
    vocab = catalogue.vocabulary
    parts = []
    for rule in catalogue.screening.rules:
        spec = vocab.conflicts.get(rule.then.conflict) if rule.then.conflict else None
        if spec is None:
            continue
        verdict = badge(rule.then.ivig, vocab.verdicts[rule.then.ivig].label) if rule.then.ivig else ""
        sides = "".join(f"<li>{esc(p.says)} {refs.cite(p.citations)}</li>" for p in spec.positions)
        parts.append(
            f'<div class="conflict" id="conflict-{esc(spec.id)}"><h3>{esc(spec.summary)}</h3>'
            f"<p>When {esc(condition_text(rule.when, vocab))}: {verdict}</p><ul>{sides}</ul>"
            + (f'<p class="muted">{esc(spec.notes)}</p>' if spec.notes else "")
            + "</div>"
        )
    if not parts:
        return ""
    return "<h3>Where the sources disagree</h3>" + "".join(parts)
