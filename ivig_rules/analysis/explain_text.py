"""The readable form of an explanation that ``ivig-rules explain`` prints."""

from __future__ import annotations

from pathlib import Path

from .._excerpt import bounded
from .._text import plural
from .explain import IVIG_STATUS, Explanation
from ..logic.fact_space import show_value
from ..evaluation.text import dose_lines
from ..model import Vocabulary

__all__ = ["to_text"]

_ROLE = {
    "decided": "decided the verdict",
    "outranked": "matched, but an earlier rule decided",
    "contributed": "added its alerts",
    "screened": "safety screening applied",
    "not_screened": "safety screening not applied (the verdict is not one it screens)",
}


def _rule_line(trace, vocab: Vocabulary) -> list[str]:
    rule = trace.rule
    then = rule.then
    outcome = []
    if then.ivig:
        outcome.append(f"ivig {then.ivig}")
    if then.next_step:
        outcome.append(f"next step {then.next_step}")
    if then.conflict:
        outcome.append(f"conflict {then.conflict}")
    if then.alerts:
        outcome.append("alerts " + ", ".join(then.alerts))
    if then.monitoring:
        outcome.append("monitoring " + ", ".join(then.monitoring))
    if then.administration:
        outcome.append("administration " + ", ".join(then.administration))
    where = f"{_shown_path(rule.file)}:{rule.line}" if rule.file else f"line {rule.line}"
    lines = [f"  {trace.position:>2}. {rule.qualified_id} ({where}): {_ROLE[trace.role]}"]
    if outcome:
        lines.append(f"      then: {'; '.join(outcome)}")
    if trace.checks:
        for check in trace.checks:
            lines.append(f"      because {check.describe(vocab)}")
    else:
        lines.append("      because it applies to every patient (no condition)")
    evidence = vocab.evidence_levels[rule.evidence].label if rule.evidence in vocab.evidence_levels else "not stated"
    lines.append(f"      evidence: {evidence}; cite: {'; '.join(c.text or str(c) for c in rule.citations)}")
    return lines


def to_text(explanation: Explanation, vocab: Vocabulary) -> str:
    rec = explanation.recommendation
    patient = explanation.patient
    who = f" {bounded(patient.id, 200)}" if patient.id else ""  # escaped: a terminal must not act on it
    lines = [f"Patient{who}: diagnosis {patient.diagnosis}, pathway {explanation.pathway}"]
    if rec is None:
        lines.append("Verdict: none - no rule of the pathway decides for this patient (a gap in the ruleset).")
    else:
        step = f", next step {rec.step_label} ({rec.step})" if rec.step else ", no next step"
        lines.append(f"Verdict: IVIG {rec.ivig}, decided by {rec.decided_by}{step} (engine {rec.engine})")
        lines.extend(dose_lines(rec))  # as evaluate words it; without a weight, why no grams were worked out
    lines.append("")
    lines.append("Rules that matched, in priority order (pathway rules in file order, then safety rules):")
    if not explanation.trace:
        lines.append("  none")
    for trace in explanation.trace:
        lines.extend(_rule_line(trace, vocab))
    if explanation.blocked_by:
        lines.append("")
        if rec is not None and rec.ivig == "contraindicated":
            lines.append("IVIG is contraindicated by the safety screening:")
        else:
            lines.append("The sources disagree for this patient, so the safety screening gives no go-ahead (specialist review):")
        for trace in explanation.blocked_by:
            lines.append(f"  {trace.rule.qualified_id}: " + "; ".join(c.describe(vocab) for c in trace.checks))
    if explanation.why_not:
        lines.append("")
        lines.append("Why not IVIG - the nearest rules that would give it, fewest unmet conditions first:")
        for miss in explanation.why_not:
            head = f"  - {miss.rule.qualified_id} (ivig {miss.rule.then.ivig}, line {miss.rule.line})"
            if miss.outranked_by:
                lines.append(f"{head}: matches, but {miss.outranked_by} comes first and decides")
                continue
            count = len(miss.unmet)
            lines.append(f"{head}: {plural(count, 'condition')} unmet")
            for check in miss.unmet:
                lines.append(f"      {check.unmet(vocab)}")
    left_out = explanation.needs_other_ivig_status
    if left_out:
        lines.append("")
        if not explanation.why_not:
            lines.append("Why not IVIG - no rule of the pathway would give it without a different IVIG status.")
        status = show_value(patient.facts.get(IVIG_STATUS))
        lines.append(
            f"Left out: rules that need IVIG itself in another status than {status}, which is no way to IVIG: "
            + ", ".join(rule.qualified_id for rule in left_out)
        )
    if explanation.defaults:
        lines.append("")
        values = ", ".join(f"{name} = {show_value(patient.facts.get(name))}" for name in explanation.defaults)
        lines.append(f"Not given, so the defaults were used: {values}")
    if not explanation.engine_agrees:
        lines.append("")
        lines.append("WARNING: the engine's matches differ from this explanation's reading of the rules; report this.")
    lines.append("")
    lines.append("Decision support for review by a clinician; not medical advice.")
    return "\n".join(lines)


def _shown_path(file: str) -> str:
    """Relative to the working folder when inside it, so the output reads the same on every machine."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return file


