"""Small wording helpers shared by the text reports."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, word: str) -> str:
    """'1 file', '2 files', '1,000 rows': the count and the word, plural when the count is not one."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
