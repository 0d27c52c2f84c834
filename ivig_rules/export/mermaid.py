"""Mermaid flowchart text for a pathway graph, written to render in GitHub Markdown.

Every label is quoted, and the characters Mermaid would read as syntax (quotes, ``#``, ``;``,
``|``, angle brackets, backticks) become Mermaid entity codes. Steps sit in one column per line
of therapy; colours follow the verdict as in the DOT output; a legend subgraph explains them.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from .style import LEGEND_KINDS, VERDICT_COLOURS, colours_of, edge_lines, node_lines, node_style_key, ordered_edges, ordered_nodes, verdict_of_node

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_mermaid", "to_markdown", "mermaid_escape", "mermaid_id", "mermaid_label"]

_ENTITIES = MappingProxyType({
    '"': "#quot;",
    "#": "#35;",
    ";": "#59;",
    "|": "#124;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "`": "#96;",
    "\\": "#92;",
})
_SHAPES = {  # style key -> (open, close)
    "entry": ("([", "])"),
    "decision": ("{", "}"),
    "step": ("(", ")"),
    "ivig": ("(", ")"),
    "outcome": ("{{", "}}"),
    "screening": ("[/", "/]"),
}
_CLASSES = MappingProxyType({
    "entry": "fill:#f2f2f2,stroke:#333333,stroke-width:2px,color:#111111",
    "decision": "fill:#fff7d6,stroke:#8c6d00,color:#111111",
    "step": "fill:#ffffff,stroke:#333333,color:#111111",
    "ivig": "fill:#eaf2fb,stroke:#2166ac,stroke-width:2px,color:#111111",
    "screening": "fill:#fdf0f2,stroke:#b2182b,stroke-dasharray:4 3,color:#111111",
})


def mermaid_escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return "".join(_ENTITIES.get(ch, ch) for ch in text.replace("\r", " "))


def mermaid_label(lines: list[str]) -> str:
    """Lines as one quoted Mermaid label, joined with Mermaid's line break."""
    return '"' + "<br/>".join(mermaid_escape(line) for line in lines) + '"'


def mermaid_id(node: str) -> str:
    """A node name as a Mermaid identifier (letters, digits and underscores)."""
    return "n_" + "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in node)


def _class_of(data: dict) -> str:
    verdict = verdict_of_node(data)
    return f"v_{verdict}" if verdict else f"k_{node_style_key(data)}"


def _node(node: str, data: dict, indent: str) -> str:
    opening, closing = _SHAPES[node_style_key(data)]
    return f"{indent}{mermaid_id(node)}{opening}{mermaid_label(node_lines(data))}{closing}:::{_class_of(data)}"


def _legend(lines: list[str]) -> None:
    lines.append('  subgraph legend["Legend"]')
    lines.append("    direction TB")
    for key, text in LEGEND_KINDS:
        opening, closing = _SHAPES[key]
        cls = "v_not_indicated" if key == "outcome" else f"k_{key}"
        lines.append(f"    legend_{key}{opening}{mermaid_label([text])}{closing}:::{cls}")
    for verdict in VERDICT_COLOURS:
        text = "arrow: rules with different verdicts" if verdict == "mixed" else f"arrow: IVIG {verdict.replace('_', ' ')}"
        lines.append(f"    legend_{verdict}[{mermaid_label([text])}]:::v_{verdict}")
    names = [f"legend_{key}" for key, _ in LEGEND_KINDS] + [f"legend_{v}" for v in VERDICT_COLOURS]
    lines.append("    " + " ~~~ ".join(names))  # invisible links stack the legend in one column
    lines.append("  end")


def to_mermaid(graph: "nx.DiGraph", *, legend: bool = True, direction: str = "LR") -> str:
    """The graph as a Mermaid flowchart; byte-identical for the same graph."""
    meta = graph.graph
    nodes = ordered_nodes(graph)
    lines = [
        f"%% {' '.join(str(meta.get('title', '')).split())}: version {meta.get('version', '?')}, reviewed {meta.get('last_reviewed', '?')}",
        "%% Generated from the ruleset by ivig-rules; teaching diagram, not medical advice.",
        f"flowchart {direction}",
    ]
    by_line: dict[int, list[str]] = {}
    for node in nodes:
        data = graph.nodes[node]
        if data["kind"] == "step":
            by_line.setdefault(data["line_of_therapy"], []).append(node)
        else:
            lines.append(_node(node, data, "  "))
    for line_no in sorted(by_line):
        lines.append(f'  subgraph line_{line_no}["Line {line_no}"]')
        lines.append("    direction TB")
        lines += [_node(n, graph.nodes[n], "    ") for n in by_line[line_no]]
        lines.append("  end")
    styles = []
    for index, (source, target, data) in enumerate(ordered_edges(graph)):
        text = edge_lines(data)
        arrow = "-.->" if data.get("verdict") == "not_indicated" else "-->"
        label = f"|{mermaid_label(text)}|" if text else ""
        lines.append(f"  {mermaid_id(source)} {arrow}{label} {mermaid_id(target)}")
        if data.get("kind") == "rule":
            line, _ = colours_of(data.get("verdict"))
            styles.append(f"  linkStyle {index} stroke:{line},color:{line}")
        else:
            styles.append(f"  linkStyle {index} stroke:#666666")
    if legend:
        _legend(lines)
    lines += styles
    for key, css in _CLASSES.items():
        lines.append(f"  classDef k_{key} {css}")
    for verdict, (line, fill) in VERDICT_COLOURS.items():
        lines.append(f"  classDef v_{verdict} fill:{fill},stroke:{line},color:{line}")
    return "\n".join(lines) + "\n"


def to_markdown(graph: "nx.DiGraph", *, command: str = "") -> str:
    """A Markdown page with the diagram in a ```mermaid block, which GitHub draws."""
    meta = graph.graph
    lines = [
        f"# {meta.get('title', meta.get('pathway', 'Pathway'))}",
        "",
        f"Pathway `{meta.get('pathway')}`, version {meta.get('version')}, last reviewed "
        f"{meta.get('last_reviewed')}, review due {meta.get('review_due')}.",
        "Drawn from the ruleset the engine runs; a teaching diagram, not medical advice.",
    ]
    if command:
        lines += ["", f"<!-- generated by `{command}`; do not edit by hand -->"]
    lines += ["", "```mermaid", to_mermaid(graph).rstrip("\n"), "```", ""]
    return "\n".join(lines)
