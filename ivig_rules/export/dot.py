"""Graphviz DOT text for a pathway graph: ranked by line of therapy, coloured by verdict, with a legend.

Plain text, so it needs nothing installed; :mod:`ivig_rules.export.render` turns it into SVG/PNG.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from .style import LEGEND_KINDS, VERDICT_COLOURS, colours_of, edge_lines, node_lines, node_style_key, ordered_edges, ordered_nodes, verdict_of_node, wrap

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_dot", "dot_quote"]

_FONT = "Helvetica"
_SHAPES = MappingProxyType({
    "entry": 'shape=box, style="rounded,filled,bold", fillcolor="#f2f2f2", penwidth=2',
    "decision": 'shape=diamond, style=filled, fillcolor="#fff7d6", color="#8c6d00"',
    "step": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
    "ivig": 'shape=box, style="rounded,filled,bold", fillcolor="#eaf2fb", color="#2166ac", penwidth=2',
    "outcome": "shape=octagon, style=filled",
    "screening": 'shape=hexagon, style="filled,dashed", fillcolor="#fdf0f2", color="#b2182b"',
})
_VERDICT_NAMES = MappingProxyType({
    "recommended": "IVIG recommended",
    "consider": "consider IVIG",
    "not_yet": "not yet",
    "not_indicated": "not indicated",
    "contraindicated": "contraindicated",
    "no_guidance": "no guidance in the sources",
    "specialist_review": "sources disagree: specialist review",
    "mixed": "rules with different verdicts",
})


def dot_quote(text: str) -> str:
    """A DOT double-quoted string; lines joined with DOT's centred line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_attrs(node: str, data: dict) -> str:
    style = _SHAPES[node_style_key(data)]
    attrs = [f"label={dot_quote(chr(10).join(node_lines(data)))}", style]
    verdict = verdict_of_node(data)
    if verdict:
        line, fill = colours_of(verdict)
        attrs += [f'color="{line}"', f'fillcolor="{fill}"', f'fontcolor="{line}"']
    tooltip = [data["label"]]
    if data.get("citations"):
        tooltip.append("Sources: " + "; ".join(data["citations"]))
    attrs.append(f"tooltip={dot_quote(chr(10).join(tooltip))}")
    return ", ".join(attrs)


def _edge_attrs(data: dict) -> str:
    if data.get("kind") != "rule":
        return 'color="#666666", arrowhead=none'
    line, _ = colours_of(data.get("verdict"))
    attrs = [f'color="{line}"', f'fontcolor="{line}"']
    lines = edge_lines(data)
    if lines:
        attrs.append(f"label={dot_quote(chr(10).join(lines))}")
    tooltip = ["rules: " + ", ".join(data["rules"])] + list(dict.fromkeys(data.get("conditions", ())))
    attrs.append(f"tooltip={dot_quote(chr(10).join(tooltip))}")
    if data.get("verdict") == "not_indicated":
        attrs.append("style=dashed")
    return ", ".join(attrs)


def _ranks(graph: "nx.DiGraph", nodes: list[str]) -> list[str]:
    """rank=same groups: one per line of therapy for steps, the entry first, the outcomes last."""
    groups: dict[str, list[str]] = {}
    for node in nodes:
        data = graph.nodes[node]
        if data["kind"] in ("entry", "screening"):
            groups.setdefault("source", []).append(node)
        elif data["kind"] == "outcome":
            groups.setdefault("sink", []).append(node)
        elif data["kind"] == "step":
            groups.setdefault(f"line{data['line_of_therapy']:03d}", []).append(node)
    out = []
    for key in sorted(groups, key=lambda k: (k != "source", k == "sink", k)):
        rank = key if key in ("source", "sink") else "same"
        out.append(f"  {{ rank={rank}; " + " ".join(dot_quote(n) + ";" for n in groups[key]) + " }")
    return out


def _legend() -> list[str]:
    lines = [
        "  subgraph cluster_legend {",
        f'    label="Legend"; fontname="{_FONT}"; fontsize=11; style="rounded"; color="#999999";',
    ]
    names = []
    for key, text in LEGEND_KINDS:
        attrs = _SHAPES[key]
        if key == "outcome":
            line, fill = VERDICT_COLOURS["not_indicated"]
            attrs += f', color="{line}", fillcolor="{fill}"'
        names.append(f"legend_{key}")
        lines.append(f"    {dot_quote(names[-1])} [label={dot_quote(chr(10).join(wrap(text, 24)))}, {attrs}, fontsize=9];")
    rows = "".join(
        f'<TR><TD WIDTH="28" BGCOLOR="{line}"></TD><TD ALIGN="LEFT"><FONT COLOR="{line}">{_VERDICT_NAMES[v]}</FONT></TD></TR>'
        for v, (line, _) in VERDICT_COLOURS.items()
    )
    table = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3"><TR><TD COLSPAN="2"><B>Arrow colour: IVIG verdict</B></TD></TR>{rows}<TR><TD COLSPAN="2">dashed: not indicated</TD></TR></TABLE>>'
    lines.append(f'    "legend_verdicts" [shape=plaintext, fontsize=9, label={table}];')
    names.append("legend_verdicts")
    lines.append("    { rank=same; " + " ".join(dot_quote(n) + ";" for n in names) + " }")
    lines.append("  }")
    return lines


def to_dot(graph: "nx.DiGraph", *, legend: bool = True, rankdir: str = "LR") -> str:
    """The graph as DOT text; byte-identical for the same graph."""
    meta = graph.graph
    title = f"{meta.get('title', meta.get('pathway', 'pathway'))} - version {meta.get('version', '?')}, reviewed {meta.get('last_reviewed', '?')}"
    nodes = ordered_nodes(graph)
    lines = [
        f"digraph {dot_quote(str(meta.get('pathway', 'pathway')))} {{",
        f'  graph [rankdir={rankdir}, fontname="{_FONT}", fontsize=14, label={dot_quote(title + chr(10) + "Teaching diagram drawn from the ruleset; not medical advice.")}, '
        'labelloc=t, nodesep=0.35, ranksep=0.55, newrank=true, splines=true];',
        f'  node [fontname="{_FONT}", fontsize=10, margin="0.12,0.06"];',
        f'  edge [fontname="{_FONT}", fontsize=9, arrowsize=0.7];',
    ]
    for node in nodes:
        lines.append(f"  {dot_quote(node)} [{_node_attrs(node, graph.nodes[node])}];")
    lines += _ranks(graph, nodes)
    for source, target, data in ordered_edges(graph):
        lines.append(f"  {dot_quote(source)} -> {dot_quote(target)} [{_edge_attrs(data)}];")
    if legend:
        lines += _legend()
    lines.append("}")
    return "\n".join(lines) + "\n"
