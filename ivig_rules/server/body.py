"""Reads a JSON request body within limits: size, nesting depth, and one JSON document."""

from __future__ import annotations

from typing import Any

from ..errors import InputError

__all__ = ["RequestError", "read_json", "check_depth", "MAX_BODY_BYTES", "MAX_DEPTH"]

MAX_BODY_BYTES = 2 * 1024 * 1024
"""A CDS Hooks call with its prefetch is tens of kilobytes; two megabytes leaves room and no more."""
MAX_DEPTH = 48
"""A FHIR Bundle nests about a dozen levels deep; anything far deeper is not a record."""


class RequestError(InputError):
    """A request the service refuses; ``status`` is the HTTP status it gets."""

    kind = "bad request"

    def __init__(self, message: str, *, status: int = 400, key: str | None = None, suggestion: str | None = None) -> None:
        self.status = status
        super().__init__(message, key=key, suggestion=suggestion)

    @property
    def where(self) -> str:
        return "request"


async def read_json(request: Any, limit: int = MAX_BODY_BYTES) -> Any:
    """The parsed body; 413 past ``limit`` bytes (counted as it streams), 400 when not JSON or too deep."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise RequestError("the Content-Length header is not a number")
        if int(length) > limit:
            raise RequestError(f"the request body is {int(length):,} bytes; at most {limit:,} are read", status=413)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(f"the request body is larger than {limit:,} bytes; it was not read", status=413)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise RequestError("the request has no body; send a JSON object")
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype not in ("application/json", "application/fhir+json", "text/plain", ""):
        raise RequestError(f"the body must be JSON (Content-Type application/json), found {ctype!r}", status=415)
    data = _loads(body)
    check_depth(data)
    return data


def _loads(body: bytes) -> Any:
    try:
        import orjson

        return orjson.loads(body)
    except ImportError:  # pragma: no cover - orjson comes with the server extra
        import json

        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise RequestError(f"the body is not valid JSON: {str(exc)[:200]}") from None
    except (ValueError, RecursionError) as exc:  # orjson.JSONDecodeError is a ValueError
        text = str(exc)[:200]
        if "recursion" in text.lower():
            text = f"nested deeper than {MAX_DEPTH} levels"
        raise RequestError(f"the body is not valid JSON: {text}") from None


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse data nested deeper than ``limit`` (an iterative walk: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise RequestError(f"the body is nested deeper than {limit} levels; a patient record never is")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
