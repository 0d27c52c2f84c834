"""What the default engine cannot run: durable-rules' limits, checked as lint loads a pathway.

The reference evaluator would answer such a pathway, so nothing else would notice until a
patient met the rule in durable-rules (docs/lint.md, ivig_rules/engines/durable_limits.py).
"""

from __future__ import annotations

from ..logic.compiler import compile_pathway
from ..model import Pathway, Screening
from .findings import ERROR, LintFinding

__all__ = ["engine_findings"]

_NO_SCREENING = Screening("none", "", "0", ("recommended",), ())


def engine_findings(pathway: Pathway, screening: Screening | None) -> list[LintFinding]:
    """One error per rule (or for the pathway) that durable-rules cannot load or run."""
    from ..engines.durable import problems

    compiled = compile_pathway(pathway, screening or _NO_SCREENING)
    out = []
    for problem in problems(compiled):
        rule = problem.rule.rule if problem.rule is not None else None
        out.append(LintFinding(
            ERROR, "engine-limit",
            f"durable-rules (the default engine) cannot run {'the rule ' + repr(rule.id) if rule else 'this pathway'}: "
            f"{problem.message}",
            file=rule.file if rule else pathway.file,
            line=rule.line if rule else 1,
            pathway=pathway.id,
            rules=(rule.id,) if rule else (),
        ))
    return out
