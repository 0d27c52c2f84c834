"""Questions asked of a built teaching view: where each rule is shown, every text it shows, and
how a note is marked. The atlas, lint and the tests read a view through these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["note_mark", "rules_on_view", "view_labels"]


def note_mark(numbers: Iterable[int]) -> str:
    """The marker of one or more notes: '(3)', '(1-3)', '(2, 5)'. Box numbers are bold and
    citations are in square brackets, so a note's number in round brackets is read as a note."""
    numbers = sorted(set(numbers))
    if not numbers:
        return ""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    return f"({', '.join(parts)})"


def rules_on_view(view: "nx.DiGraph") -> dict[str, list[str]]:
    """Rule id -> where the view shows it ('arrow a -> b' or 'note n'), to prove nothing is dropped."""
    found: dict[str, list[str]] = {}
    for source, target, data in view.edges(data=True):
        for rule in data.get("rules", ()):
            found.setdefault(rule, []).append(f"arrow {source} -> {target}")
    for note in view.graph["notes"]:
        for rule in note["rules"]:
            found.setdefault(rule, []).append(f"note {note['number']}")
    return found


def view_labels(view: "nx.DiGraph") -> list[tuple[str, str]]:
    """Every text the view shows, as (where, text): box and arrow labels, notes, the title."""
    out = [("title", view.graph["title"])]
    for node, data in view.nodes(data=True):
        out.append((f"box {node}", data["label"]))
    for source, target, data in view.edges(data=True):
        if data.get("label"):
            out.append((f"arrow {source} -> {target}", data["label"]))
    for note in view.graph["notes"]:
        out.append((f"note {note['number']}", f"{note_mark([note['number']])} {note['text']}"))
    return out
