"""Cohort audits: evaluate a CSV or JSON Lines file of patients, one result row per patient.

``ivig-rules audit COHORT -o RESULTS`` is the command; :func:`audit_cohort` the library call.
See docs/audit.md.
"""

from __future__ import annotations

from .run import DEFAULT_CHUNK_SIZE, audit_cohort
from .summary import AuditSummary

__all__ = ["audit_cohort", "AuditSummary", "DEFAULT_CHUNK_SIZE"]
