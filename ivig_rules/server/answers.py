"""The service's JSON answers: a body for a result, and a status and body for every error.

One place for both the FastAPI routes and the direct CDS Hooks path (:mod:`.direct`), so an
error reads the same whichever answered it: ``{"error": {"status", "kind", "message", ...}}``
with the project's one-paragraph message, and never a stack trace.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..errors import InputError, IvigRulesError, NoDecisionError
from ..fhir.errors import IncompleteRecordError
from .body import RequestError

__all__ = ["json_bytes", "error_body", "error_answer", "INTERNAL_ERROR"]

INTERNAL_ERROR = ("internal error ({name}); this is a bug in ivig-rules, please report it with the request "
                  "that caused it")


def json_bytes(data: Any) -> bytes:
    return orjson.dumps(data)


def error_body(status: int, kind: str, message: str, **extra: Any) -> dict:
    body = {"status": status, "kind": kind, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def error_answer(exc: BaseException) -> tuple[int, dict]:
    """(HTTP status, body) for an error raised while answering; anything unexpected is a 500
    that names only the error's type."""
    if isinstance(exc, RequestError):
        return exc.status, error_body(exc.status, exc.kind, str(exc), key=exc.key, suggestion=exc.suggestion)
    if isinstance(exc, IncompleteRecordError):
        return 422, error_body(422, "incomplete record", str(exc), not_recorded=exc.missing)
    if isinstance(exc, NoDecisionError):
        return 422, error_body(422, "no decision", str(exc))
    if isinstance(exc, InputError):
        status = 404 if exc.kind == "not found" else 422
        problems = getattr(exc, "problems", (exc,))
        listed = [{"message": p.paragraph(), "key": p.key, "suggestion": p.suggestion} for p in problems] \
            if len(problems) > 1 else None  # one pass reports every problem: one paragraph each
        return status, error_body(status, exc.kind, str(exc), key=exc.key, suggestion=exc.suggestion, problems=listed)
    if isinstance(exc, IvigRulesError):
        status = 500 if exc.exit_code == 3 else 422
        return status, error_body(status, type(exc).__name__, str(exc))
    return 500, error_body(500, "internal error", INTERNAL_ERROR.format(name=type(exc).__name__))
