"""Where rules are on a teaching view, by qualified id, and the route a patient's fired rules take.

The workbench highlights a patient's route and the coverage report counts the places scenarios
went through; both ask the view here, so they agree on what a rule's place is.

* A rule's **place**: the arrows that carry it and the notes that list it. The safety screening's
  rules sit on a gate's "no" arrow and the gate's notes; every other rule is the pathway's.
* A **route**: the places of the fired rules, the boxes at both ends of their arrows (and the box
  a fired note is marked on), and the arrow into each decision from the box the fired rule leaves
  (``leads``). A gate is on the route when a fired arrow enters it: its "no" arrow when a
  screening rule there fired, else its "yes" arrow into the IVIG box. A screening rule's "no"
  arrow at a gate no fired arrow enters is not on the route (the patient never stood there),
  though its note is.
* The **way in**: where the route starts at a box the diagram's start box does not lead to
  directly, the shortest way down the diagram from the start box to it (the steps the patient
  went through before the rule that decided; those rules did not fire, since only the deciding
  rule and alerts do). Kept apart (``way_in``): the workbench draws it, coverage does not count it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from ..model.json_form import json_form

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Place", "Route", "rule_places", "route_on_view", "arrow_rules", "note_rules", "box_name"]


@json_form
@dataclass(frozen=True)
class Place:
    """Where one rule (qualified id) is shown: arrows as (source, target), notes by number."""

    rule: str
    arrows: tuple[tuple[str, str], ...] = ()
    notes: tuple[int, ...] = ()


@json_form
@dataclass(frozen=True)
class Route:
    """A patient's route on a view: the fired rules' places and the boxes and arrows they join."""

    pathway: str
    rules: tuple[Place, ...] = ()  # each fired rule the view shows, with its place
    boxes: tuple[str, ...] = ()
    arrows: tuple[tuple[str, str], ...] = ()
    notes: tuple[int, ...] = ()
    not_shown: tuple[str, ...] = field(default=())  # fired rules this view has no place for
    way_in: tuple[tuple[str, str], ...] = ()  # arrows from the start box to where the route begins


def box_name(view: "nx.DiGraph", node: str) -> str:
    """A box as the diagram names it: 'box 6', or 'circle to box 13' for a connector."""
    data = view.nodes[node]
    if data.get("number") is not None:
        return f"box {data['number']}"
    return f"circle to box {data.get('number_of_target', '?')}"


def _owner_prefix(view: "nx.DiGraph", node: str) -> str:
    """The id that qualifies the rules shown at ``node``: the screening's at a safety gate (its
    arrows and its notes), else the pathway's."""
    return view.graph["screening"] if view.nodes[node]["kind"] == "gate" else view.graph["pathway"]


def arrow_rules(view: "nx.DiGraph", source: str, data: dict) -> tuple[str, ...]:
    """The qualified ids of the rules an arrow leaving ``source`` carries."""
    prefix = _owner_prefix(view, source)
    return tuple(f"{prefix}.{rule}" for rule in data.get("rules", ()))


def note_rules(view: "nx.DiGraph", note: dict) -> tuple[str, ...]:
    """The qualified ids of the rules a note lists."""
    prefix = _owner_prefix(view, note["anchors"][0])
    return tuple(f"{prefix}.{rule}" for rule in note["rules"])


def rule_places(view: "nx.DiGraph") -> dict[str, Place]:
    """Qualified rule id -> its place on the view, for every rule the view shows."""
    arrows: dict[str, list[tuple[str, str]]] = {}
    notes: dict[str, list[int]] = {}
    for source, target, data in view.edges(data=True):
        for rule in arrow_rules(view, source, data):
            arrows.setdefault(rule, []).append((source, target))
    for note in view.graph["notes"]:
        for rule in note_rules(view, note):
            notes.setdefault(rule, []).append(note["number"])
    return {rule: Place(rule, tuple(arrows.get(rule, ())), tuple(notes.get(rule, ())))
            for rule in dict.fromkeys([*arrows, *notes])}


def route_on_view(view: "nx.DiGraph", fired: Iterable[str]) -> Route:
    """The route of a patient whose recommendation fired ``fired`` (qualified rule ids, as in
    ``Recommendation.rules_fired``); see the module docstring."""
    fired = tuple(dict.fromkeys(fired))
    places = rule_places(view)
    fired_set = set(fired)
    pathway = view.graph["pathway"]
    arrows: dict[tuple[str, str], None] = {}
    for source, target, data in view.edges(data=True):
        if view.nodes[source]["kind"] == "gate":
            continue  # a gate's way on depends on whether the route reaches it: below
        led = {f"{pathway}.{r}" for r in data.get("leads", ())}
        if (set(arrow_rules(view, source, data)) | led) & fired_set:
            arrows[(source, target)] = None
    entered = {target for _, target in arrows if view.nodes[target]["kind"] == "gate"}
    for gate in sorted(entered):
        exits = list(view.out_edges(gate, data=True))
        stopped = [(s, t) for s, t, d in exits if set(arrow_rules(view, s, d)) & fired_set]
        passed = [(s, t) for s, t, d in exits if d.get("kind") == "flow"]
        for pair in stopped or passed:
            arrows[pair] = None
    boxes: dict[str, None] = {}
    for source, target in arrows:
        boxes[source] = None
        boxes[target] = None
    notes: dict[int, None] = {}
    for note in view.graph["notes"]:
        if set(note_rules(view, note)) & fired_set:
            notes[note["number"]] = None
            if view.nodes[note["anchors"][0]]["kind"] != "gate":
                boxes.update(dict.fromkeys(note["anchors"]))
    shown = tuple(places[r] for r in fired if r in places)
    return Route(pathway, shown, tuple(boxes), tuple(arrows), tuple(notes), tuple(r for r in fired if r not in places),
                 _way_in(view, tuple(arrows)))


def _way_in(view: "nx.DiGraph", arrows: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The shortest way from the start box to each box where the route begins (a box an arrow of
    the route leaves but none enters), along arrows that carry a patient on (not connectors'
    dashed links); nothing where no such way exists."""
    import networkx as nx

    from .teaching import ENTRY

    entered = {t for _, t in arrows}
    begins = [s for s, _ in arrows if s not in entered and s != ENTRY]
    walk = nx.subgraph_view(view, filter_edge=lambda s, t: view.edges[s, t].get("kind") != "link")
    way: dict[tuple[str, str], None] = {}
    for box in dict.fromkeys(begins):
        try:
            path = nx.shortest_path(walk, ENTRY, box)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
        way.update(dict.fromkeys(zip(path, path[1:])))
    return tuple(pair for pair in way if pair not in set(arrows))
