"""Bounded, escaped excerpts of values and texts, for every message a terminal may print.

A hostile value (a 4 MB diagnosis, a 10,000-character key, a number of 5,000 digits, a list
nested 1,000 deep, a C1 control such as ``\\x9b`` or an escape sequence) must never come back
whole or raw: messages echo an excerpt that is short, on one line and printable, and building
it never fails.
"""

from __future__ import annotations

from typing import Any

__all__ = ["excerpt", "escape", "bounded", "MAX_MESSAGE_CHARS", "MAX_KEY_CHARS"]

MAX_MESSAGE_CHARS = 1500
"""Longest message text an error carries; the longest legitimate one (a list of facts) is far below."""
MAX_KEY_CHARS = 80
_MAX_DIGITS = 30
_MAX_ITEMS = 4
_MAX_DEPTH = 2


def escape(text: str) -> str:
    """The text with every non-printable character (controls, line breaks, C1, format marks) escaped."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """The text escaped and, past ``limit`` characters, cut in the middle with a note of how much."""
    if len(text) <= limit:
        shown = escape(text)
        if len(shown) <= limit:
            return shown
    keep = max(limit - 40, 8)
    head_chars, tail_chars = keep * 2 // 3, keep // 3
    head = escape(text[:head_chars])[:head_chars]
    tail = escape(text[-tail_chars:])[-tail_chars:]
    return f"{head}...[{max(len(text) - head_chars - tail_chars, 1):,} characters cut]...{tail}"


def excerpt(value: Any, limit: int = 40) -> str:
    """A short, printable repr-like rendering of any value; never raises, never recurses deep."""
    try:
        if isinstance(value, str) and len(value) > limit:
            keep = max(limit // 2, 8)
            return f"{bounded(repr(value[:keep]), limit)}... ({len(value):,} characters)"
        return bounded(_render(value, 0), limit)
    except Exception:  # a value whose own repr fails: say what it is
        return f"<{type(value).__name__}>"


def _render(value: Any, depth: int) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        bits = value.bit_length()
        if bits <= 96:
            return repr(value)
        digits = int(bits * 0.30103) + 1
        return f"<a whole number of about {digits:,} digits>"
    if isinstance(value, str):
        return repr(value[:200] + ("..." if len(value) > 200 else ""))
    if isinstance(value, (list, tuple)):
        if depth >= _MAX_DEPTH:
            return "[...]"
        items = [_render(v, depth + 1) for v in value[:_MAX_ITEMS]]
        return "[" + ", ".join(items) + (", ..." if len(value) > _MAX_ITEMS else "") + "]"
    if isinstance(value, dict):
        if depth >= _MAX_DEPTH:
            return "{...}"
        pairs = list(value.items())[:_MAX_ITEMS]
        items = [f"{_render(k, depth + 1)}: {_render(v, depth + 1)}" for k, v in pairs]
        return "{" + ", ".join(items) + (", ..." if len(value) > _MAX_ITEMS else "") + "}"
    return f"<{type(value).__name__}>"
