"""The pathway graph's structural findings (unreachable steps, loops, dead ends) as lint findings.

The checks themselves live in :mod:`ivig_rules.graph`; this only places each at its step's line.
"""

from __future__ import annotations

from .._text import plural
from ..model import Pathway, Screening, Vocabulary
from .findings import ERROR, WARNING, LintFinding

__all__ = ["pathway_graph_findings", "GRAPH_CODES"]

GRAPH_CODES = {"unreachable": "unreachable-step", "cycle": "cycle", "dead_end": "dead-end"}


def pathway_graph_findings(
    pathway: Pathway,
    vocab: Vocabulary,
    screening: Screening | None,
    steps_used: dict[str, tuple[int, str]] | None = None,
) -> list[LintFinding]:
    """Graph findings; an 'unreachable' step that the fact space shows patients are sent to
    (by a rule whose 'from' is the step itself) is only a warning, and says so."""
    from ..graph import graph_findings

    out = []
    for found in graph_findings(pathway, vocab, screening):
        step = pathway.steps.get(found.node[len("step_"):]) if found.node.startswith("step_") else None
        severity = ERROR if found.severity == ERROR else WARNING
        message = found.message
        used = (steps_used or {}).get(step.id) if step is not None else None
        if found.kind == "unreachable" and used is not None:
            severity = WARNING
            message += (
                f" Yet {plural(used[0], 'patient')} of the fact space are sent to it "
                f"(rule '{used[1]}'), so only the 'from' links do not lead there."
            )
        out.append(LintFinding(
            severity,
            GRAPH_CODES.get(found.kind, found.kind),
            message,
            file=pathway.file,
            line=step.line if step is not None else 1,
            key=f"steps.{step.id}" if step is not None else None,
            pathway=pathway.id,
            rules=tuple(found.rules),
        ))
    return out
