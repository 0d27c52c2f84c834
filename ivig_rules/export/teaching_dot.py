"""Graphviz DOT text for a pathway's teaching view: top to bottom, numbered boxes, notes and a key.

Plain text, so it needs nothing installed. Each box carries ``id`` (its node id, which the atlas
uses to make it clickable) and each arrow and note ``rules`` (the rule ids it shows), so a test
can prove from Graphviz's own layout that every rule is on the picture.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from ..graph.teaching import EXCEPTIONS, MAIN
from .dot import dot_quote
from .teaching_style import IVIG_FILL, IVIG_LINE, LEGEND, LEGEND_NUMBERS, LEGEND_VERSION, box_lines, corner, note_lines, ordered_edges, ordered_nodes, panels, style_key

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_teaching_dot", "dot_id"]

_FONT = "Helvetica"
_CHAR_IN = 0.072
_NOTES_MIN_IN = 3.0  # as wide as the key's widest row, so the notes line up with it
_RANKS_TALL = 20  # about how many rows of boxes a diagram 1080 pt tall holds  # the width of a 10 pt Helvetica character, on average, in inches
_INK = "#222222"
_GREY = "#f2f2f2"
_SHAPES = MappingProxyType({
    "state": f'shape=box, style="rounded,filled", fillcolor="{_GREY}", color="{_INK}"',
    "decision": f'shape=hexagon, style=filled, fillcolor="#ffffff", color="{_INK}", margin="0.02,0.02"',
    "action": f'shape=box, style=filled, fillcolor="#ffffff", color="{_INK}"',
    "ivig": f'shape=box, style="filled,bold", fillcolor="{IVIG_FILL}", color="{IVIG_LINE}", penwidth=2',
    "ref": 'shape=circle, style="dashed,filled", fillcolor="#ffffff", color="#555555", fontcolor="#222222", fontsize=10, width=0.3, fixedsize=true',
})


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


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _node(node: str, data: dict) -> str:
    """A box. Its number stands at its top-left corner; a hexagon's corner is empty space, so a
    decision or gate carries its number inside, before the question."""
    key = style_key(data)
    lines = box_lines(data)
    label = dot_quote(chr(10).join(lines))
    number = data.get("number")
    inside = number and data["kind"] in ("decision", "gate")
    if inside:
        label = f"<<B>{_html(corner(data))}</B> " + "<BR/>".join(_html(line) for line in lines) + ">"
    attrs = [f"id={dot_quote(dot_id(node))}", f"label={label}", _SHAPES[key]]
    if data["kind"] == "gate":
        attrs[-1] = attrs[-1].replace("shape=box", "shape=hexagon") + ', margin="0.02,0.02"'
    if number and not inside:
        marks = corner(data)[len(str(number)):]
        attrs.append(f"xlabel=<<B>{number}</B>{_html(marks)}>")
    rules = data.get("rules", ())
    if rules:
        attrs.append(f"rules={dot_quote(' '.join(rules))}")
    attrs.append(f"class={dot_quote('box ' + data['kind'])}")
    return f"    {dot_quote(node)} [{', '.join(attrs)}];"


def _edge(source: str, target: str, data: dict) -> str:
    attrs = []
    if data.get("label"):
        attrs.append(f"label={dot_quote(data['label'])}")
    if data.get("rules"):
        attrs.append(f"rules={dot_quote(' '.join(data['rules']))}")
    if data.get("kind") == "link":
        attrs.append("style=dashed")
    attrs += data.get("dot_attrs", ())  # what a caller adds (coverage marks untested arrows)
    return f"  {dot_quote(source)} -> {dot_quote(target)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";"


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
            lines.append("  { rank=same; " + " ".join(dot_quote(n) + ";" for n in [node, *beside]) + " }")
    return lines


def _notes(view: "nx.DiGraph") -> tuple[list[str], str | None]:
    """The numbered notes, each a box of one width with its text left-aligned, stacked by
    invisible arrows in one column (two when there are many); returns the lines and the first note."""
    texts = [(note, note_lines(note)) for note in view.graph["notes"]]
    if not texts:
        return [], None
    lines = ["  subgraph cluster_notes {", f'    label="Notes"; labeljust=l; fontname="{_FONT}"; fontsize=12; color="#bbbbbb"; style=rounded;']
    width = max(max(len(line) for _, lines_ in texts for line in lines_) * _CHAR_IN, _NOTES_MIN_IN)
    names = []
    for note, text in texts:
        name = f"note:{note['number']}"
        rules = f", rules={dot_quote(' '.join(note['rules']))}" if note["rules"] else ""
        label = '"' + "".join(dot_quote(line)[1:-1] + "\\l" for line in text) + '"'  # left-justified lines
        lines.append(
            f'    {dot_quote(name)} [id={dot_quote(dot_id(name))}, shape=box, style=filled, fillcolor="#ffffff", color="#ffffff", fontsize=10, '
            f"margin=0, height={0.17 * len(text):.2f}, width={width:.2f}, fixedsize=true, group=notes, label={label}{rules}, "
            'class="note"' + "".join(", " + a for a in note.get("dot_attrs", ())) + "];"
        )
        names.append(name)
    columns = 1 if _fits_one_column(view, len(names)) else 2
    rows = -(-len(names) // columns)
    grid = [names[i::rows] for i in range(rows)]  # row i: note i, then note i + rows (read down, then across)
    for row in grid:
        if len(row) > 1:  # a flat arrow keeps the first column on the left
            lines.append("    { rank=same; " + " ".join(dot_quote(n) + ";" for n in row) + " }")
            lines += [f"    {dot_quote(a)} -> {dot_quote(b)} [style=invis];" for a, b in zip(row, row[1:])]
    firsts = [row[0] for row in grid]
    lines += [f"    {dot_quote(a)} -> {dot_quote(b)} [style=invis];" for a, b in zip(firsts, firsts[1:])]
    lines.append("  }")
    return lines, names[0]


def _fits_one_column(view: "nx.DiGraph", notes: int) -> bool:
    """Whether the notes, hung under the exceptions panel in one column, leave the diagram short
    enough; otherwise they go in two columns, read down the first, then the second."""
    depth = max((d.get("depth", 0) for d in view.nodes.values() if d["panel"] == EXCEPTIONS), default=0)
    return 2 * depth + notes <= _RANKS_TALL


def _key(view: "nx.DiGraph") -> tuple[list[str], str]:
    """The key: a sample of each kind of box, two to a row, what the numbers mean, the version."""
    lines = ["  subgraph cluster_key {", f'    label="Key"; labeljust=l; fontname="{_FONT}"; fontsize=12; color="#bbbbbb"; style=rounded;']
    keys = []
    for key, text in LEGEND:
        keys.append(f"key:{key}")
        lines.append(f"    {dot_quote(keys[-1])} [label={dot_quote(text)}, {_SHAPES['ivig' if key == 'ivig' else key]}, fontsize=10, height=0.3];")
    version = LEGEND_VERSION.format(version=view.graph["version"], reviewed=view.graph["last_reviewed"])
    lines.append(f'    "key:numbers" [shape=plaintext, fontsize=9, label={dot_quote(LEGEND_NUMBERS)}];')
    lines.append(f'    "key:version" [shape=plaintext, fontsize=9, label={dot_quote(version)}];')
    rows = [keys[i:i + 2] for i in range(0, len(keys), 2)]
    lines += ["    { rank=same; " + " ".join(dot_quote(k) + ";" for k in row) + " }" for row in rows]
    chain = [row[0] for row in rows] + ["key:numbers", "key:version"]
    lines += [f"    {dot_quote(a)} -> {dot_quote(b)} [style=invis];" for a, b in zip(chain, chain[1:])]
    lines.append("  }")
    return lines, chain[0]


def _deepest(view: "nx.DiGraph", nodes: list[str], panel: str) -> list[str]:
    members = [n for n in nodes if view.nodes[n]["panel"] == panel]
    return sorted(members, key=lambda n: view.nodes[n].get("depth", 0))[-1:]


def to_teaching_dot(view: "nx.DiGraph") -> str:
    """The teaching view as DOT text; byte-identical for the same view."""
    meta = view.graph
    out = [
        f"digraph {dot_quote(meta['pathway'])} {{",
        f'  graph [rankdir=TB, fontname="{_FONT}", fontsize=18, label={dot_quote(meta["title"])}, labelloc=t, '
        'nodesep=0.2, ranksep=0.15, newrank=true, forcelabels=true, splines=true, outputorder=edgesfirst];',
        f'  node [fontname="{_FONT}", fontsize=10, margin="0.08,0.03", height=0.3];',
        f'  edge [fontname="{_FONT}", fontsize=9, color="#444444", arrowsize=0.7];',
    ]
    nodes = ordered_nodes(view)
    for panel, title, members in panels(view):
        out.append(f"  subgraph cluster_{panel} {{")
        if panel == EXCEPTIONS:
            out.append(f'    label={dot_quote(title)}; labeljust=l; fontname="{_FONT}"; fontsize=13; style="dashed,rounded"; color="#777777";')
        else:
            out.append('    label=""; style=invis;')
        out += [_node(n, view.nodes[n]) for n in members]
        out.append("  }")
    notes, first_note = _notes(view)
    key, first_key = _key(view)
    out += notes + key
    # the notes hang under the exceptions panel (or start beside the path), the key under the path
    if first_note:
        out += [f"  {dot_quote(n)} -> {dot_quote(first_note)} [style=invis, weight=10];" for n in _deepest(view, nodes, EXCEPTIONS)]
    out += [f"  {dot_quote(n)} -> {dot_quote(first_key)} [style=invis, weight=10];" for n in _deepest(view, nodes, MAIN)]
    out += _same_rank(view)
    out += [_edge(s, t, d) for s, t, d in ordered_edges(view)]
    out.append("}")
    return "\n".join(out) + "\n"
