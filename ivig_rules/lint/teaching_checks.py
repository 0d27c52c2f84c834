"""Lint's checks on the teaching view: every rule has a place, every decision a question, and no
text of the diagram is longer than a slide can show.

The teaching block itself is checked when the file loads (unknown ids, wording too long); these
are the checks that need the whole pathway and the view built from it.
"""

from __future__ import annotations

from ..model import Pathway, Screening, Vocabulary
from ..model.teaching import LABEL_LIMIT
from .findings import ERROR, WARNING, LintFinding

__all__ = ["teaching_findings", "screening_teaching_findings", "TEACHING_CODES"]

TEACHING_CODES = ("teaching-missing", "teaching-place", "teaching-question", "teaching-label", "teaching-wording")


def _rule_line(pathway: Pathway, rule_id: str) -> int | None:
    return next((r.line for r in pathway.rules if r.id == rule_id), None)


def teaching_findings(pathway: Pathway, vocab: Vocabulary, screening: Screening | None) -> list[LintFinding]:
    """Rules with no place in the teaching view, decisions with no question, labels too long."""
    from ..graph.teaching import teaching_view, view_labels

    teaching = pathway.teaching
    if teaching is None:
        return [LintFinding(
            WARNING, "teaching-missing",
            "the pathway has no 'teaching:' block, so its diagram is drawn with step labels and every rule "
            "as a note; add a question per decision and a place per rule (docs/ruleset-format.md).",
            file=pathway.file, line=1, key="teaching", pathway=pathway.id,
        )]
    out = _place_findings(pathway)
    for index, rule in enumerate(pathway.rules):
        if rule.id not in teaching.rules:
            out.append(LintFinding(
                ERROR, "teaching-missing",
                f"the rule {rule.id!r} has no place in the teaching view; add it under teaching.rules as "
                "'arrow: OUTCOME', 'exception: OUTCOME' or 'note: TEXT'.",
                file=pathway.file, line=rule.line, key=f"rules[{index}]", pathway=pathway.id, rules=(rule.id,),
            ))
    view = teaching_view(pathway, screening, vocab)
    for node, data in view.nodes(data=True):
        if data.get("question_missing"):
            position = data.get("position") or node
            out.append(LintFinding(
                ERROR, "teaching-question",
                f"the decision after {position!r} has {view.out_degree(node)} ways out but no question; add "
                f"'{position}: QUESTION?' under teaching.decisions.",
                file=pathway.file, line=teaching.line, key="teaching.decisions", pathway=pathway.id,
            ))
    unplaced = {f"note {n['number']}" for n in view.graph["notes"] if n["unplaced"]}
    for where, text in view_labels(view):
        if len(text) > LABEL_LIMIT and where not in unplaced:  # an unplaced rule is reported above
            out.append(LintFinding(
                ERROR, "teaching-label",
                f"the diagram's {where} reads {text!r}, {len(text)} characters; keep every label to "
                f"{LABEL_LIMIT} (shorten the teaching wording it is built from).",
                file=pathway.file, line=teaching.line, key="teaching", pathway=pathway.id,
            ))
    return out


def _place_findings(pathway: Pathway) -> list[LintFinding]:
    """Ids the teaching block names that this file does not have, and places that do not fit
    their rule (the diagram then shows the rule as a note)."""
    from ..errors import did_you_mean
    from ..model import STEP_START

    teaching = pathway.teaching
    rules = {rule.id: rule for rule in pathway.rules}
    positions = [STEP_START, *pathway.steps]
    out: list[LintFinding] = []

    def finding(message: str, line: int | None, key: str, suggestion: str | None = None, rule: str = "") -> None:
        out.append(LintFinding(
            ERROR, "teaching-place", message, file=pathway.file, line=line or teaching.line, key=key,
            suggestion=suggestion, pathway=pathway.id, rules=(rule,) if rule else (),
        ))

    for rule_id, place in teaching.rules.items():
        rule = rules.get(rule_id)
        key = f"teaching.rules.{rule_id}"
        if rule is None:
            finding(f"no rule {rule_id!r} in this file; teaching.rules names the rules of the pathway.",
                    place.line, key, did_you_mean(rule_id, rules))
            continue
        target = rule.then.next_step
        if place.place != "note" and rule.then.ivig is None and target is None:
            finding(f"the rule {rule_id!r} only adds alerts and moves no one; place it as a note.", place.line, key, rule=rule_id)
        elif place.place == "arrow" and target is not None and set(rule.from_steps) == {target}:
            finding(f"the rule {rule_id!r} keeps the patient on the step {target!r} (a course under way); an arrow "
                    "cannot show that: place it as a note.", place.line, key, rule=rule_id)
        elif place.place != "note" and target is not None and place.end:
            finding(f"the rule {rule_id!r} leads to the step {target!r}; 'end' names the state of a rule that ends the "
                    "path: remove it.", place.line, key, rule=rule_id)
        elif place.place != "note" and target is None and not place.end:
            finding(f"the rule {rule_id!r} names no next step; say the state it ends in with 'end: ...'.",
                    place.line, key, rule=rule_id)
    for step_id in teaching.steps:
        key = f"teaching.steps.{step_id}"
        if step_id not in pathway.steps:
            finding(f"no step {step_id!r} in this file.", teaching.lines.get("steps"), key, did_you_mean(step_id, pathway.steps))
        elif pathway.steps[step_id].therapy == "ivig":
            finding(f"{step_id!r} is an IVIG step: its box shows the verdict, evidence and dose worked out from the "
                    "rules; say more in a rule's note.", teaching.lines.get("steps"), key)
    for question in teaching.decisions:
        for position in question.after:
            if position not in positions:
                finding(f"no step {position!r} in this file (a question follows a step, or 'start').",
                        question.line, f"teaching.decisions.{question.id}", did_you_mean(position, positions))
    return out


def screening_teaching_findings(screening: Screening) -> list[LintFinding]:
    """Screening rules the safety gate's notes can only name by their id."""
    return [
        LintFinding(
            WARNING, "teaching-wording",
            f"the screening rule {rule.id!r} has no phrase for the safety gate's notes; add "
            f"'{rule.id}: PHRASE' under teaching.rules (the diagram shows its id meanwhile).",
            file=screening.file, line=rule.line, key=f"rules[{index}]", rules=(rule.id,),
        )
        for index, rule in enumerate(screening.rules)
        if rule.id not in screening.teaching.rules
    ]
