"""Every lint check's code and severity, in one registry: findings, docs and tests follow it.

A finding names a registered code at one of its registered severities, or it is a bug caught
when the finding is made (``LintFinding`` checks). Adding a check: write it, add its line
here; ``docs/lint.md``'s table is tested against this list (tests/test_registries.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ERROR", "WARNING", "SEVERITIES", "LintCheck", "LINT_CHECKS", "SEVERITIES_OF"]

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class LintCheck:
    """One row of the table: a code, a severity it is reported at, and what it finds."""

    code: str
    severity: str
    what: str


LINT_CHECKS = (
    LintCheck("unreadable", ERROR, "a path that does not exist, a file that is not valid YAML (exit 2)"),
    LintCheck("schema", ERROR, "the loader's error for the file: unknown key, wrong type, unknown fact or value"),
    LintCheck("missing-citation", ERROR,
              "a rule, step or dose without `cite:` (every one in the file, not just the first)"),
    LintCheck("duplicate-id", ERROR, "a rule id used twice in a file; a pathway id or diagnosis used by two files"),
    LintCheck("unknown-reference", ERROR, "a `from`, `next_step`, `dose` or alert that does not exist"),
    LintCheck("gap", ERROR, "patients for whom no rule gives an IVIG verdict (the evaluator refuses to answer)"),
    LintCheck("overlap", ERROR, "one patient matches deciding rules that disagree on verdict, next step or dose"),
    LintCheck("dead-rule", ERROR, "a rule (pathway or safety) whose condition no patient satisfies"),
    LintCheck("masked-rule", ERROR,
              "a deciding rule that matches patients but never decides: earlier rules always win, with a different "
              "outcome"),
    LintCheck("redundant-rule", WARNING, "the same, but the winning rules say the same thing"),
    LintCheck("space-too-large", WARNING,
              "a pathway whose fact space is too large to enumerate: gaps, overlaps and dead rules are not checked"),
    LintCheck("unreachable-step", ERROR, "a step no path from the pathway's entry leads to and no patient is sent to"),
    LintCheck("unreachable-step", WARNING, "a step only its own rule (`from:` the step itself) sends patients to"),
    LintCheck("cycle", ERROR, "rules that could send one patient round a loop of steps"),
    LintCheck("dead-end", WARNING,
              "a step no rule leads on from (what follows response, failure, intolerance is unsaid)"),
    LintCheck("review-overdue", WARNING,
              "the pathway's `review_due` date (default: a year after `last_reviewed`) has passed"),
    LintCheck("no-evidence", WARNING, "a rule without an `evidence:` level"),
    LintCheck("silence-as-exclusion", WARNING,
              "a rule giving `not_indicated` with `evidence: insufficient`: where the sources are silent the "
              "verdict is `no_guidance`"),
    LintCheck("engine-limit", ERROR,
              "a rule (or pathway) durable-rules, the default engine, cannot load or run, with the reason in words "
              "(docs/ruleset-format.md)"),
    LintCheck("teaching-missing", ERROR, "a rule with no place in the teaching view (add it under `teaching.rules`)"),
    LintCheck("teaching-missing", WARNING, "a pathway with no `teaching:` block at all"),
    LintCheck("teaching-place", ERROR,
              "the teaching block names a rule or step the file does not have, or a place that does not fit its "
              "rule (an `end` on a rule with a next step, no `end` on one without, an arrow for a course under "
              "way); the diagram shows such a rule as a note meanwhile"),
    LintCheck("teaching-question", ERROR,
              "a decision point with several ways out and no question under `teaching.decisions`"),
    LintCheck("teaching-label", ERROR, "a text of the teaching diagram (box, arrow, note) longer than 60 characters"),
    LintCheck("teaching-wording", WARNING,
              "a screening rule with no phrase for the safety gate's notes (`teaching.rules` in `safety.yaml`)"),
)

SEVERITIES_OF = MappingProxyType({
    code: tuple(c.severity for c in LINT_CHECKS if c.code == code) for code in dict.fromkeys(c.code for c in LINT_CHECKS)
})
