"""``ivig-rules lint``: every check of a rules knowledge base, reported file by file.

Schema and vocabulary errors, missing citations, ids used twice, dangling references,
gaps, overlaps, dead and masked rules (found over each pathway's finite fact space),
review dates past due and rules without an evidence level. See docs/lint.md.
"""

from .findings import ERROR, SEVERITIES, WARNING, LintFinding
from .run import LintReport, lint_paths

__all__ = ["ERROR", "WARNING", "SEVERITIES", "LintFinding", "LintReport", "lint_paths"]
