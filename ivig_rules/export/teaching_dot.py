"""Graphviz DOT text for a pathway's teaching view: top to bottom, numbered boxes, notes and a key.

Plain text, so it needs nothing installed. Each box carries ``id`` (its node id, which the atlas
uses to make it clickable) and each arrow and note ``rules`` (the rule ids it shows), so a test
can prove from Graphviz's own layout that every rule is on the picture.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..graph.teaching import EXCEPTIONS, MAIN
from .teaching_style import IVIG_FILL, IVIG_LINE, LEGEND, LEGEND_VERSION, box_lines, corner, note_lines, ordered_edges, ordered_nodes, style_key

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_teaching_dot", "dot_id"]

_FONT = "Helvetica"
_CHAR_IN = 0.072
_NOTES_MIN_IN = 3.0  # as wide as the key's widest row, so the notes line up with it  # the width of a 10 pt Helvetica character, on average, in inches
_INK = "#222222"
_GREY = "#f2f2f2"
_SHAPES = MappingProxyType({
    "state": f'shape=box, style="rounded,filled", fillcolor="{_GREY}", color="{_INK}"',
    "decision": f'shape=hexagon, style=filled, fillcolor="#ffffff", color="{_INK}"',
    "action": f'shape=box, style=filled, fillcolor="#ffffff", color="{_INK}"',
    "ivig": f'shape=box, style="filled,bold", fillcolor="{IVIG_FILL}", color="{IVIG_LINE}", penwidth=2',
    "ref": f'shape=circle, style=dashed, color="#555555", fontcolor="#222222", fontsize=10, width=0.3, fixedsize=true',
})


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot_id(node: str) -> str:
    """The SVG element id Graphviz gives a box: 'n_' and the node id, letters and digits kept,
    '_' doubled and any other character as '_' and its code, so two nodes never share an id."""
    out = []
    for ch in node:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch == "_":
            out.append("__")
        else:
            out.append(f"_{ord(ch):x}_")
    return "n_" + "".join(out)


def _node(node: str, data: dict) -> str:
    key = style_key(data)
    attrs = [f"id={_q(dot_id(node))}", f"label={_q(chr(10).join(box_lines(data)))}", _SHAPES[key]]
    if data["kind"] == "gate":
        attrs[-1] = attrs[-1].replace("shape=box", "shape=hexagon")
    if data.get("number"):
        marks = corner(data)[len(str(data["number"])):]
        attrs.append(f"xlabel=<<B>{data['number']}</B>{marks}>")
    rules = data.get("rules", ())
    if rules:
        attrs.append(f"rules={_q(' '.join(rules))}")
    attrs.append(f"class={_q('box ' + data['kind'])}")
    return f"    {_q(node)} [{', '.join(attrs)}];"


def _edge(source: str, target: str, data: dict) -> str:
    attrs = []
    if data.get("label"):
        attrs.append(f"label={_q(data['label'])}")
    if data.get("rules"):
        attrs.append(f"rules={_q(' '.join(data['rules']))}")
    if data.get("kind") == "link":
        attrs.append("style=dashed")
    return f"  {_q(source)} -> {_q(target)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";"


def _same_rank(view: "nx.DiGraph") -> list[str]:
    """End states and connectors sit beside the box they leave (at most two, one each side),
    so the main path stays short and reads straight down."""
    lines = []
    for node in ordered_nodes(view):
        beside = [
            t for _, t in view.out_edges(node)
            if view.nodes[t]["kind"] in ("end", "ref") and view.in_degree(t) == 1
        ][:1]
        if beside and view.nodes[node]["kind"] in ("decision", "gate", "action"):
            lines.append("  { rank=same; " + " ".join(_q(n) + ";" for n in [node, *beside]) + " }")
    return lines


def _notes(view: "nx.DiGraph") -> list[str]:
    """The numbered notes, one text line per node (left-aligned in boxes of one width), then the
    key; chained by invisible arrows so they stack in one column."""
    lines = ["  subgraph cluster_notes {", f'    label="Notes"; labeljust=l; fontname="{_FONT}"; fontsize=12; color="#bbbbbb"; style=rounded;']
    texts = [(note, note_lines(note)) for note in view.graph["notes"]]
    width = max(max((len(line) for _, lines_ in texts for line in lines_), default=20) * _CHAR_IN, _NOTES_MIN_IN)
    names = []
    for note, text in texts:
        name = f"note:{note['number']}"
        rules = f", rules={_q(' '.join(note['rules']))}" if note["rules"] else ""
        rules += f", id={_q(dot_id(name))}"
        label = '"' + "".join(_q(line)[1:-1] + "\\l" for line in text) + '"'  # left-justified lines
        lines.append(
            f"    {_q(name)} [shape=plaintext, fontsize=10, margin=0, height={0.17 * len(text):.2f}, width={width:.2f}, "
            f"fixedsize=true, group=notes, label={label}{rules}, class=\"note\"];"
        )
        names.append(name)
    keys = []
    for key, text in LEGEND:
        keys.append(f"key:{key}")
        lines.append(f"    {_q(keys[-1])} [label={_q(text)}, {_SHAPES['ivig' if key == 'ivig' else key]}, fontsize=10, height=0.3];")
    version = LEGEND_VERSION.format(version=view.graph["version"], reviewed=view.graph["last_reviewed"])
    lines.append(f'    "key:version" [shape=plaintext, fontsize=9, label={_q(version)}];')
    rows = [keys[i:i + 2] for i in range(0, len(keys), 2)]
    for row in rows:
        lines.append("    { rank=same; " + " ".join(_q(k) + ";" for k in row) + " }")
    chain = names + [row[0] for row in rows] + ["key:version"]
    for first, second in zip(chain, chain[1:]):
        lines.append(f"    {_q(first)} -> {_q(second)} [style=invis];")
    lines.append("  }")
    return lines, chain[0]


def to_teaching_dot(view: "nx.DiGraph") -> str:
    """The teaching view as DOT text; byte-identical for the same view."""
    meta = view.graph
    out = [
        f"digraph {_q(meta['pathway'])} {{",
        f'  graph [rankdir=TB, fontname="{_FONT}", fontsize=18, label={_q(meta["title"])}, labelloc=t, '
        'nodesep=0.2, ranksep=0.15, newrank=true, forcelabels=true, splines=true, outputorder=edgesfirst];',
        f'  node [fontname="{_FONT}", fontsize=10, margin="0.08,0.03", height=0.3];',
        f'  edge [fontname="{_FONT}", fontsize=9, color="#444444", arrowsize=0.7];',
    ]
    titles = dict(meta["panels"])
    nodes = ordered_nodes(view)
    for panel in (MAIN, EXCEPTIONS):
        members = [n for n in nodes if view.nodes[n]["panel"] == panel]
        if not members:
            continue
        out.append(f"  subgraph cluster_{panel} {{")
        if panel == EXCEPTIONS:
            out.append(f'    label={_q(titles.get(panel, ""))}; labeljust=l; fontname="{_FONT}"; fontsize=13; style="dashed,rounded"; color="#777777";')
        else:
            out.append('    label=""; style=invis;')
        out += [_node(n, view.nodes[n]) for n in members]
        out.append("  }")
    notes, first = _notes(view)
    out += notes
    below = sorted((n for n in nodes if view.nodes[n]["panel"] == EXCEPTIONS), key=lambda n: view.nodes[n].get("depth", 0))[-1:]
    out += [f"  {_q(n)} -> {_q(first)} [style=invis, weight=10];" for n in below]
    out += _same_rank(view)
    out += [_edge(s, t, d) for s, t, d in ordered_edges(view)]
    out.append("}")
    return "\n".join(out) + "\n"


def write_teaching_dot(view: "nx.DiGraph", path: str | Path) -> None:
    Path(path).write_text(to_teaching_dot(view), encoding="utf-8")
