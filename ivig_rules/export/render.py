"""SVG and PNG through Graphviz's ``dot`` program (Debian/Ubuntu package ``graphviz``).

A missing ``dot`` is an environment gap, reported in one line with the command that fixes it.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from ..errors import IvigRulesError
from .dot import to_dot

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GraphvizMissing", "GraphvizFailed", "RENDER_FORMATS", "INSTALL_HINT", "run_dot", "render_dot", "render", "find_dot"]

RENDER_FORMATS = ("svg", "png")
INSTALL_HINT = "sudo apt-get install -y graphviz (Debian/Ubuntu) or brew install graphviz (macOS)"
_TIMEOUT_S = 60


class GraphvizMissing(IvigRulesError):
    """Graphviz's ``dot`` is not on PATH."""

    exit_code = 3

    def __init__(self) -> None:
        super().__init__(
            f"drawing a diagram (SVG, PNG, the atlas, the handout) needs Graphviz's 'dot' program, which is not installed; install it with: "
            f"{INSTALL_HINT}. The dot, mermaid and json formats need nothing installed."
        )


class GraphvizFailed(IvigRulesError):
    """``dot`` ran and failed: a bug in the DOT we wrote, or a broken Graphviz."""

    exit_code = 3


def find_dot() -> str:
    found = shutil.which("dot")
    if found is None:
        raise GraphvizMissing()
    return found


def run_dot(dot_text: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>`` on DOT text and return its output (a picture, or the layout as JSON)."""
    if fmt not in (*RENDER_FORMATS, "json"):
        raise ValueError(f"cannot run dot -T{fmt}; formats: {', '.join(RENDER_FORMATS)}, json")
    try:
        done = subprocess.run(
            [find_dot(), f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, timeout=_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise GraphvizMissing() from None
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(f"Graphviz 'dot' did not finish within {_TIMEOUT_S} s") from None
    if done.returncode != 0 or not done.stdout:
        detail = " ".join(done.stderr.decode("utf-8", "replace").split())[:500]
        raise GraphvizFailed(f"Graphviz 'dot -T{fmt}' failed (exit {done.returncode}): {detail or 'no output'}")
    return done.stdout


def render_dot(dot_text: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>`` on DOT text and return the picture's bytes."""
    if fmt not in RENDER_FORMATS:
        raise ValueError(f"cannot render {fmt!r}; formats: {', '.join(RENDER_FORMATS)}")
    return run_dot(dot_text, fmt)


def render(graph: "nx.DiGraph", fmt: str, **options) -> bytes:
    """The graph drawn as SVG or PNG bytes."""
    return render_dot(to_dot(graph, **options), fmt)
