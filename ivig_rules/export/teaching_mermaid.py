"""Mermaid flowchart text for a pathway's teaching view, written to render in GitHub Markdown.

The same view as the DOT output: top to bottom, clinical states in rounded boxes, decisions and
the safety gate in hexagons, actions in rectangles (IVIG in blue), connectors as circles with
the number of the box they lead to, the exceptions panel and the notes as subgraphs. Mermaid has
no external labels, so a box's number (and note markers) starts its text.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..graph.teaching import EXCEPTIONS, MAIN
from .mermaid import mermaid_escape
from .teaching_style import IVIG_FILL, IVIG_LINE, LEGEND, LEGEND_NUMBERS, LEGEND_VERSION, box_lines, corner, note_lines, ordered_edges, ordered_nodes, style_key

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_teaching_mermaid", "to_teaching_markdown"]

_SHAPES = MappingProxyType({  # style key -> (open, close)
    "state": ("([", "])"),
    "decision": ("{{", "}}"),
    "action": ("[", "]"),
    "ivig": ("[", "]"),
    "gate": ("{{", "}}"),
    "ref": ("((", "))"),
    "note": ("[", "]"),
})
_CLASSES = MappingProxyType({
    "state": "fill:#f2f2f2,stroke:#222222,color:#111111",
    "decision": "fill:#ffffff,stroke:#222222,color:#111111",
    "action": "fill:#ffffff,stroke:#222222,color:#111111",
    "ivig": f"fill:{IVIG_FILL},stroke:{IVIG_LINE},stroke-width:2px,color:#111111",
    "ref": "fill:#ffffff,stroke:#555555,stroke-dasharray:4 3,color:#222222",
    "note": "fill:#ffffff,stroke:#ffffff,color:#222222,text-align:left",
})


def _label(lines: list[str]) -> str:
    return '"' + "<br/>".join(mermaid_escape(line) for line in lines) + '"'


def _id(node: str) -> str:
    return "n_" + "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in node)


def _node(node: str, data: dict, indent: str) -> str:
    key = style_key(data)
    shape = "gate" if data["kind"] == "gate" else key
    opening, closing = _SHAPES[shape]
    lines = box_lines(data)
    if data.get("number"):
        lines[0] = f"{corner(data)} · {lines[0]}"
    return f"{indent}{_id(node)}{opening}{_label(lines)}{closing}:::k_{key}"


def to_teaching_mermaid(view: "nx.DiGraph") -> str:
    """The teaching view as a Mermaid flowchart; byte-identical for the same view."""
    meta = view.graph
    lines = [
        f"%% {meta['title']}: version {meta['version']}, reviewed {meta['last_reviewed']}",
        "%% Generated from the ruleset by ivig-rules; teaching diagram, not medical advice.",
        "flowchart TB",
    ]
    titles = dict(meta["panels"])
    nodes = ordered_nodes(view)
    for panel in (MAIN, EXCEPTIONS):
        members = [n for n in nodes if view.nodes[n]["panel"] == panel]
        if not members:
            continue
        lines.append(f'  subgraph {panel}["{mermaid_escape(titles.get(panel, ""))}"]')
        lines.append("    direction TB")
        lines += [_node(n, view.nodes[n], "    ") for n in members]
        lines.append("  end")
    styles = []
    for index, (source, target, data) in enumerate(ordered_edges(view)):
        arrow = "-.->" if data.get("kind") == "link" else "-->"
        label = f"|{_label([data['label']])}|" if data.get("label") else ""
        lines.append(f"  {_id(source)} {arrow}{label} {_id(target)}")
        styles.append(f"  linkStyle {index} stroke:#444444")
    lines.append('  subgraph notes["Notes"]')
    lines.append("    direction TB")
    names = []
    for note in meta["notes"]:
        names.append(f"note_{note['number']}")
        lines.append(f"    {names[-1]}[{_label([' '.join(note_lines(note))])}]:::k_note")
    for key, text in LEGEND:
        names.append(f"key_{key}")
        opening, closing = _SHAPES[key]
        lines.append(f"    {names[-1]}{opening}{_label([text])}{closing}:::k_{key}")
    version = LEGEND_VERSION.format(version=meta["version"], reviewed=meta["last_reviewed"])
    names.append("key_numbers")
    lines.append(f"    key_numbers[{_label([LEGEND_NUMBERS.replace('Bold: box number', 'First number: box')])}]:::k_note")
    names.append("key_version")
    lines.append(f"    key_version[{_label([version])}]:::k_note")
    lines.append("    " + " ~~~ ".join(names))  # invisible links stack the notes in one column
    lines.append("  end")
    lines += styles
    lines += [f"  classDef k_{key} {css}" for key, css in _CLASSES.items()]
    return "\n".join(lines) + "\n"


def to_teaching_markdown(view: "nx.DiGraph", *, command: str = "") -> str:
    """A Markdown page with the teaching view in a ```mermaid block, which GitHub draws."""
    meta = view.graph
    lines = [
        f"# {meta['full_title']}",
        "",
        meta["summary"],
        "",
        f"Pathway `{meta['pathway']}`, version {meta['version']}, last reviewed "
        f"{meta['last_reviewed']}, review due {meta['review_due']}.",
        "Drawn from the ruleset the engine runs; a teaching diagram, not medical advice.",
    ]
    if command:
        lines += ["", f"<!-- generated by `{command}`; do not edit by hand -->"]
    lines += ["", "```mermaid", to_teaching_mermaid(view).rstrip("\n"), "```", ""]
    return "\n".join(lines)


def write_teaching_mermaid(view: "nx.DiGraph", path: str | Path) -> None:
    Path(path).write_text(to_teaching_mermaid(view), encoding="utf-8")
