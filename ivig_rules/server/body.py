"""Reads a JSON request body within limits: size, nesting depth, and one JSON document."""

from __future__ import annotations

import re
from typing import Any

from .._excerpt import excerpt
from ..errors import InputError

__all__ = ["RequestError", "ClientGone", "read_json", "receive_json", "parse_json", "check_length", "check_depth",
           "MAX_BODY_BYTES", "MAX_DEPTH"]

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


class ClientGone(Exception):
    """The client went away before its body arrived: there is nobody to answer."""


def check_length(length: str | None, limit: int) -> None:
    """413 when the Content-Length header announces more than ``limit`` bytes; 400 when it is not a number."""
    if length is None:
        return
    if not length.isdigit():
        raise RequestError("the Content-Length header is not a number")
    if int(length) > limit:
        raise RequestError(f"the request body is {int(length):,} bytes; at most {limit:,} are read", status=413)


def _too_large(limit: int) -> RequestError:
    return RequestError(f"the request body is larger than {limit:,} bytes; it was not read", status=413)


async def read_json(request: Any, limit: int = MAX_BODY_BYTES) -> Any:
    """The parsed body of a Starlette request; 413 past ``limit`` bytes (counted as it streams),
    400 when not JSON or too deep, 415 when sent as something else."""
    check_length(request.headers.get("content-length"), limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return parse_json(b"".join(chunks), request.headers.get("content-type"))


async def receive_json(receive: Any, headers: list[tuple[bytes, bytes]], limit: int = MAX_BODY_BYTES) -> Any:
    """:func:`read_json` over raw ASGI ``receive`` and ``headers`` (the direct CDS Hooks path):
    the same limits and the same refusals."""
    length = content_type = None
    for name, value in headers:  # the first of each, as Starlette's headers.get reads them
        if name == b"content-length" and length is None:
            length = value.decode("latin-1")
        elif name == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
    check_length(length, limit)
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return parse_json(chunks[0] if len(chunks) == 1 else b"".join(chunks), content_type)


def parse_json(body: bytes, content_type: str | None) -> Any:
    """One JSON document, sent as JSON, no deeper than :data:`MAX_DEPTH`."""
    if not body.strip():
        raise RequestError("the request has no body; send a JSON object")
    ctype = (content_type or "application/json").split(";")[0].strip().lower()
    if ctype not in ("application/json", "application/fhir+json", "text/plain", ""):
        raise RequestError(f"the body must be JSON (Content-Type application/json), found {ctype!r}", status=415)
    data = _loads(body)
    if _may_repeat_a_key(body, check_depth(data)):
        _refuse_duplicates(body)
    return data


_SPACED_KEY_END = re.compile(rb'"[ \t\r\n]+:')


def _may_repeat_a_key(body: bytes, keys: int) -> bool:
    """False when the body cannot hold a key twice, without a second parse (the order-sign hot path).

    Every key ends in a quote and a colon (``":``, or with white space between them); beyond the
    ``keys`` the parse kept, there are more such endings only when a key is given twice or a text
    holds an escaped quote before a colon. Equal counts therefore prove there is no duplicate."""
    quoted = body.count(b'":')
    if quoted > keys:
        return True
    if quoted == keys:  # compact JSON has no quote before white space: byte searches rule it out
        spaced = b'" ' in body or b'"\n' in body or b'"\r' in body or b'"\t' in body
        return spaced and _SPACED_KEY_END.search(body) is not None
    return quoted + len(_SPACED_KEY_END.findall(body)) > keys


def _refuse_duplicates(body: bytes) -> None:
    """422 naming the first key given twice in one object; the parsers keep the last silently."""
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                raise RequestError(f"the key {excerpt(key)} appears twice in one object; give each key once",
                                   status=422, key=key)
            seen.add(key)
        return dict(items)

    json.loads(body, object_pairs_hook=pairs)


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


def check_depth(data: Any, limit: int = MAX_DEPTH) -> int:
    """Refuse data nested deeper than ``limit`` objects and lists; the number of keys of all its
    objects. Walked level by level (no recursion to exhaust, no per-value tuples): on every call
    of the service, so kept cheap."""
    level = [data] if type(data) in (dict, list) else []
    depth = keys = 0
    while level:
        depth += 1
        if depth > limit:
            raise RequestError(f"the body is nested deeper than {limit} levels; a patient record never is")
        below = []
        for container in level:
            if type(container) is dict:
                keys += len(container)
                container = container.values()
            for value in container:
                if type(value) is dict or type(value) is list:
                    below.append(value)
        level = below
    return keys
