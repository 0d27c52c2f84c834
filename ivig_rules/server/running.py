"""How uvicorn runs the service: the fast HTTP parser and event loop when installed, no access
log unless asked for, and keep-alive connections long enough for an EHR that calls on every
order it signs (docs/performance.md#cds-hooks-order-sign)."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

__all__ = ["uvicorn_options", "KEEP_ALIVE_S"]

KEEP_ALIVE_S = 30
"""Seconds an idle keep-alive connection stays open (uvicorn's default is 5)."""


def uvicorn_options(*, access_log: bool = False) -> tuple[dict[str, Any], list[str]]:
    """uvicorn.run's keyword arguments, and a line of advice for each fast part that is missing
    (the server still runs, at about a third of the speed: see docs/performance.md)."""
    advice = []
    http, loop = "httptools", "uvloop"
    if find_spec("httptools") is None:
        http = "h11"
        advice.append("httptools is not installed, so HTTP is parsed in pure Python (slower)")
    if find_spec("uvloop") is None:
        loop = "asyncio"
        advice.append("uvloop is not installed, so the standard asyncio event loop runs (slower)")
    if advice:
        advice.append("pip install 'uvicorn[standard]' (part of the server extra) for both")
    options = {"http": http, "loop": loop, "log_level": "warning", "access_log": access_log,
               "server_header": False, "proxy_headers": False, "timeout_keep_alive": KEEP_ALIVE_S}
    return options, advice
