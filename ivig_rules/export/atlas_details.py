"""What the atlas shows when a box of a diagram is clicked: its rules in words, dose, readable
references and notes, as an HTML fragment per box of the teaching view.

Every piece of ruleset text goes through :func:`esc`; the page's script only moves these
fragments into the details panel. Verdicts are shown with their vocabulary label, whatever the
verdict, so a verdict added to the vocabulary needs nothing here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ..evaluation.dosing import course_g_per_kg
from ..graph.labels import condition_text, dose_summary, dose_words
from ..graph.teaching import note_mark
from ..model import Catalogue, Citation, DoseRegimen, Pathway, Rule
from ..model.citations import citation_text
from .atlas_html import badge, esc

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["node_details", "dose_html", "conflict_html"]

_KIND_NAMES = {
    "state": "Clinical state",
    "decision": "Decision",
    "action": "Action",
    "gate": "Safety gate",
    "end": "Clinical state (end of a path)",
    "ref": "Connector",
}


def _citations(catalogue: Catalogue, citations: Iterable[Citation]) -> str:
    items = "".join(f"<li>{esc(citation_text(c, catalogue.vocabulary.sources))}</li>" for c in citations)
    return f'<ul class="cites">{items}</ul>' if items else ""


def _verdict(catalogue: Catalogue, verdict: str | None) -> str:
    if verdict is None:
        return '<span class="muted">no verdict (alerts only)</span>'
    return badge(verdict, catalogue.vocabulary.verdicts[verdict].label)


def dose_html(regimen: DoseRegimen, catalogue: Catalogue) -> str:
    """A dose in words, the default the engine computes with, and where its figures stop."""
    parts = [f"<strong>{esc(dose_words(regimen))}</strong>"]
    parts.append(f'<span class="muted">default used for dosing: {esc(dose_summary(regimen))}</span>')
    if regimen.therapy == "ivig":
        parts.append(f'<span class="muted">default course: {course_g_per_kg(regimen):g} g/kg</span>')
    if regimen.max_g_per_day is not None:
        parts.append(f"at most {regimen.max_g_per_day:g} g a day")
    if regimen.then:
        parts.append(f"then: {esc(regimen.then)}")
    basis = "actual body weight" if regimen.weight_basis == "actual" else "dosing weight (adjusted above ideal weight in adults)"
    parts.append(f'<span class="muted">per kg of {esc(basis)}</span>')
    if regimen.notes:
        parts.append(f'<span class="note-text">{esc(regimen.notes)}</span>')
    return "<br>".join(parts) + _citations(catalogue, regimen.citations)


def _rule(rule: Rule, pathway: Pathway | None, catalogue: Catalogue, outcome: str = "") -> str:
    vocab = catalogue.vocabulary
    evidence = vocab.evidence_levels[rule.evidence].label if rule.evidence else "not stated"
    step = pathway.steps.get(rule.then.next_step) if pathway and rule.then.next_step else None
    rows = [f"<dt>When</dt><dd>{esc(condition_text(rule.when, vocab))}</dd>"]
    rows.append(f"<dt>IVIG</dt><dd>{_verdict(catalogue, rule.then.ivig)}</dd>")
    if step is not None:
        rows.append(f"<dt>Next</dt><dd>{esc(step.label)}</dd>")
    elif outcome:
        rows.append(f"<dt>Then</dt><dd>{esc(outcome)}</dd>")
    if rule.then.alerts:
        messages = "".join(f"<li>{esc(vocab.alerts[a].message)}</li>" for a in rule.then.alerts)
        rows.append(f"<dt>Alerts</dt><dd><ul>{messages}</ul></dd>")
    if rule.then.conflict:
        rows.append(f"<dt>Sources disagree</dt><dd>{conflict_html(rule.then.conflict, catalogue)}</dd>")
    rows += _advice_rows(catalogue, rule.then.monitoring, rule.then.administration)
    rows.append(f"<dt>Evidence</dt><dd>{esc(evidence)}</dd>")
    if rule.notes:
        rows.append(f"<dt>Notes</dt><dd>{esc(rule.notes)}</dd>")
    title = rule.description or rule.id.replace("_", " ")
    return (
        f'<section class="rule"><h4>{esc(title)}</h4><dl>{"".join(rows)}</dl>'
        f"{_citations(catalogue, rule.citations)}"
        f'<p class="rule-id">rule <code>{esc(rule.id)}</code></p></section>'
    )


def conflict_html(conflict_id: str, catalogue: Catalogue) -> str:
    """A disagreement between sources: its summary, then what each side says, with its references."""
    spec = catalogue.vocabulary.conflicts[conflict_id]
    sides = "".join(
        f"<li>{esc(p.says)}{_citations(catalogue, p.citations)}</li>" for p in spec.positions
    )
    return f'{esc(spec.summary)}<ul class="positions">{sides}</ul>'


def _advice_rows(catalogue: Catalogue, monitoring: Iterable[str], administration: Iterable[str]) -> list[str]:
    vocab = catalogue.vocabulary
    rows = []
    for title, ids, table in (("Monitor", monitoring, vocab.monitoring), ("Give", administration, vocab.administration)):
        items = "".join(f"<li>{esc(table[i].text)}</li>" for i in ids if i in table)
        if items:
            rows.append(f"<dt>{title}</dt><dd><ul>{items}</ul></dd>")
    return rows


def _exits(view: "nx.DiGraph", node: str, rules: dict[str, Rule], pathway: Pathway, catalogue: Catalogue) -> str:
    parts = []
    for _, target, data in sorted(view.out_edges(node, data=True), key=lambda e: view.nodes[e[1]].get("number") or 0):
        goes = view.nodes[target]
        where = f"box {goes['number']}" if goes.get("number") else f"box {goes.get('number_of_target', '')}"
        heading = f"{esc(data['label'])} &rarr; " if data.get("label") else "&rarr; "
        heading += f"{esc(where)}: {esc(goes['label'])}"
        body = "".join(_rule(rules[r], pathway, catalogue, goes["label"]) for r in data.get("rules", ()) if r in rules)
        parts.append(f'<div class="exit"><h3>{heading}</h3>{body}</div>')
    return "".join(parts)


def _screening(catalogue: Catalogue) -> str:
    screening = catalogue.screening
    applies = " or ".join(catalogue.vocabulary.verdicts[v].label for v in screening.applies_to)
    intro = (
        f"<p>{esc(screening.title)} runs before every IVIG box, whenever the verdict is {esc(applies)}. "
        "A rule that makes IVIG contraindicated sends the patient to the panel for when IVIG cannot be used; "
        "the others add alerts to the recommendation.</p>"
    )
    return intro + "".join(_rule(r, None, catalogue) for r in screening.rules)


def _notes_of(view: "nx.DiGraph", node: str) -> str:
    data = view.nodes[node]
    notes = [n for n in view.graph["notes"] if n["number"] in data.get("notes", ())]
    if not notes:
        return ""
    items = "".join(f"<li>{esc(note_mark([n['number']]))} {esc(n['text'])}</li>" for n in notes)
    return f'<h3>Notes</h3><ul class="notes">{items}</ul>'


def node_details(view: "nx.DiGraph", pathway: Pathway, catalogue: Catalogue) -> dict[str, str]:
    """Node id -> the HTML of its details panel, for every box, connector and note of the view."""
    rules = {r.id: r for r in pathway.rules}
    screening_rules = {r.id: r for r in catalogue.screening.rules}
    out: dict[str, str] = {}
    for node, data in view.nodes(data=True):
        number = f"Box {data['number']}: " if data.get("number") else ""
        head = f'<p class="kind">{esc(_KIND_NAMES[data["kind"]])}</p><h2>{esc(number)}{esc(data["label"])}</h2>'
        body = ""
        if data["kind"] == "action":
            step = pathway.steps[data["step"]]
            therapy = catalogue.vocabulary.therapies[step.therapy].label
            if step.with_therapies:
                therapy += " with " + ", ".join(catalogue.vocabulary.therapies[t].label for t in step.with_therapies)
            body += f"<p><strong>{esc(step.label)}</strong> ({esc(therapy)}, line {step.line_of_therapy} of therapy)</p>"
            regimen = pathway.doses.get(step.dose) if step.dose else None
            body += f"<h3>Dose</h3><p>{dose_html(regimen, catalogue)}</p>" if regimen else "<h3>Dose</h3><p>The sources give no regimen for this step.</p>"
            if step.review is not None:
                body += f"<h3>Review of the response</h3><p>{esc(step.review.text)}</p>{_citations(catalogue, step.review.citations)}"
            advice = _advice_rows(catalogue, step.monitoring, step.administration)
            if advice:
                body += f'<dl>{"".join(advice)}</dl>'
            if step.notes:
                body += f"<p>{esc(step.notes)}</p>"
            body += _citations(catalogue, step.citations)
            entering = [r for r in pathway.rules if r.then.next_step == step.id]
            if entering:
                body += "<h3>Rules that lead here</h3>" + "".join(_rule(r, pathway, catalogue) for r in entering)
        elif data["kind"] == "gate":
            body += _screening(catalogue)
        elif data["kind"] == "ref":
            body += f"<p>Continue at box {esc(data.get('number_of_target', ''))}.</p>"
        elif data["kind"] == "end":
            ending = [rules[r] for _, _, e in view.in_edges(node, data=True) for r in e.get("rules", ()) if r in rules]
            ending += [screening_rules[r] for _, _, e in view.in_edges(node, data=True) for r in e.get("rules", ()) if r in screening_rules]
            body += "<h3>Rules that end here</h3>" + "".join(_rule(r, pathway, catalogue, data["label"]) for r in ending)
        elif node == "start":
            body += f"<p>{esc(pathway.summary)}</p>"
            if pathway.notes:
                body += f'<p class="note-text">{esc(pathway.notes)}</p>'
        if view.out_degree(node) and data["kind"] in ("decision", "state", "action"):
            body += "<h3>Ways on</h3>" + _exits(view, node, rules, pathway, catalogue)
        body += _notes_of(view, node)
        out[node] = head + body
    for note in view.graph["notes"]:
        behind = [rules.get(r) or screening_rules.get(r) for r in note["rules"]]
        body = "".join(_rule(r, pathway if r.id in rules else None, catalogue) for r in behind if r is not None)
        out[f"note:{note['number']}"] = (
            f'<p class="kind">Note</p><h2>{esc(note_mark([note["number"]]))} {esc(note["text"])}</h2>'
            + (f"<h3>Rules behind this note</h3>{body}" if body else "<p>Worked out from the pathway's steps and doses.</p>")
        )
    return out
