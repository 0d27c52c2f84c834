"""The teaching view of a pathway: the clinical algorithm a neurologist would hand to residents.

Drawn over the same loaded rules the engine runs, in the conventions of the Society for Medical
Decision Making's clinical algorithms: clinical states in rounded boxes, decisions in hexagons,
actions in rectangles, every box numbered, annotations as numbered notes. The words come from
the pathway's ``teaching:`` block (a question per decision, an outcome per rule); what can be
worked out from the rules (verdicts, evidence, doses, where an arrow goes) is worked out.

* The **main panel** is the path from the entry down through the steps that ``arrow`` rules
  lead to, in order of lines of therapy; each decision's exits are the outcomes of the step
  it follows.
* The **exceptions panel** (IVIG contraindicated, failed or not tolerated) holds the
  ``exception`` rules and the steps only they lead to; an arrow to a step of the other panel
  ends in a "go to box N" connector, so no arrow crosses from one panel into the other.
* The safety screening is a **gate** in front of each IVIG box: its "yes" leads on to IVIG, its
  "no" (a contraindication) to the exceptions panel; its checks are the gate's notes.
* Every rule is on the view, as an arrow or a numbered note (``rules`` on edges and notes);
  a rule the teaching block does not place becomes a note saying so, never disappears. The
  safety screening's rules are those on a gate's arrows and notes; every other rule is the
  pathway's (``graph["pathway"]`` and ``graph["screening"]`` qualify them).
* An arrow into a decision carries ``leads``: the rules that leave the decision from the box
  it comes from (so a patient's route, :func:`route_on_view`, runs through that box).

The result is a ``networkx.DiGraph`` with ``graph["view"] == "teaching"``; exports in
:mod:`ivig_rules.export` draw it as DOT, Mermaid or JSON.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Iterable

from ..model import STEP_START, Pathway, Rule, Screening, Vocabulary
from ..model.teaching import ARROW, EXCEPTION, NOTE, NOTE_LIMIT, Placement, Teaching
from .labels import dose_words
from .teaching_queries import note_mark, rules_on_view, view_labels

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "teaching_view",
    "TEACHING_VIEW",
    "MAIN",
    "EXCEPTIONS",
    "NODE_KINDS",
    "note_mark",
    "rules_on_view",
    "view_labels",
]

TEACHING_VIEW = "teaching"
MAIN = "main"
EXCEPTIONS = "exceptions"
ENTRY = "start"
EXCEPTIONS_ENTRY = "exceptions"
NODE_KINDS = ("state", "decision", "action", "gate", "end", "ref")
"""state: a clinical state (rounded box); decision: a question (hexagon); action: a therapy step
(rectangle, blue for IVIG); gate: the safety screening before an IVIG box (hexagon); end: a
clinical state that ends a path (rounded box); ref: a connector to a box of the other panel."""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def _step_node(step_id: str) -> str:
    return f"step:{step_id}"


def _gate_node(step_id: str) -> str:
    return f"gate:{step_id}"


class _Builder:
    """Collects nodes, exits and notes; one instance per view (no shared state)."""

    def __init__(self, pathway: Pathway, screening: Screening | None, vocab: Vocabulary) -> None:
        self.pathway = pathway
        self.screening = screening
        self.vocab = vocab
        self.teaching = pathway.teaching or Teaching(summary=pathway.summary, start=pathway.title)
        self.rules = {rule.id: rule for rule in pathway.rules}
        self.places = {rule.id: self._place(rule) for rule in pathway.rules}
        self.panel_of = self._panels()
        self.nodes: dict[str, dict] = {}
        self.exits: dict[str, list[dict]] = {}  # origin -> exits in order
        self.notes: list[dict] = []

    # -- where each rule and step sits -------------------------------------------------------
    def _place(self, rule: Rule) -> Placement:
        """The rule's place; one that cannot be drawn as given (lint's ``teaching-place`` says why)
        becomes a note with the same words, so no rule is ever dropped."""
        found = self.teaching.rules.get(rule.id)
        if found is None:
            return Placement(rule.id, NOTE, f"Not yet placed: {rule.id}.")
        moves = rule.then.ivig is not None or rule.then.next_step is not None
        stays = found.place == ARROW and rule.then.next_step is not None and set(rule.from_steps) == {rule.then.next_step}
        if found.place != NOTE and (not moves or stays):
            return Placement(rule.id, NOTE, found.label, line=found.line)
        return found

    def _panels(self) -> dict[str, str]:
        """Each position's panel: main holds what ``arrow`` rules reach from the entry; the
        exceptions panel what ``exception`` rules reach; a step reached by neither stays main."""
        panel: dict[str, str] = {}

        def spread(name: str, seeds: Iterable[str]) -> None:
            queue = deque(s for s in dict.fromkeys(seeds) if s not in panel)
            for step in queue:
                panel[step] = name
            while queue:
                position = queue.popleft()
                for rule in self.pathway.rules:
                    target = rule.then.next_step
                    if self.places[rule.id].place == ARROW and position in rule.from_steps and target and target not in panel:
                        panel[target] = name
                        queue.append(target)

        spread(MAIN, [STEP_START])
        spread(EXCEPTIONS, [
            r.then.next_step for r in self.pathway.rules
            if self.places[r.id].place == EXCEPTION and r.then.next_step
        ])
        for step in self.pathway.steps:
            panel.setdefault(step, MAIN)
        return panel

    def has_exceptions(self) -> bool:
        return any(p.place == EXCEPTION for p in self.places.values())

    # -- nodes -------------------------------------------------------------------------------
    def add(self, node: str, kind: str, panel: str, lines: list[str], **data) -> str:
        if node not in self.nodes:
            self.nodes[node] = {"kind": kind, "panel": panel, "lines": [line for line in lines if line], **data}
            self.exits.setdefault(node, [])
        return node

    def _entering(self, step_id: str) -> list[Rule]:
        """The rules drawn as arrows into a step (a course under way is not an arrow)."""
        return [
            self.rules[rule_id] for rule_id, place in self.places.items()
            if place.place in (ARROW, EXCEPTION) and self.rules[rule_id].then.next_step == step_id
            and set(self.rules[rule_id].from_steps) != {step_id}
        ] or [r for r in self.pathway.rules if r.then.next_step == step_id]

    def verdict_words(self, verdict: str) -> str:
        return self.vocab.teaching.verdicts.get(verdict) or self.vocab.verdicts[verdict].label

    def evidence_words(self, level: str) -> str:
        return self.vocab.teaching.evidence.get(level) or _lower_first(self.vocab.evidence_levels[level].label)

    def _ivig_lines(self, step_id: str) -> tuple[list[str], dict]:
        """An IVIG box: the verdict as an action with its evidence, then the dose in words.
        Where routes into the box differ in verdict or evidence, each arrow (or a note) says its own."""
        entering = self._entering(step_id)
        verdicts = list(dict.fromkeys(r.then.ivig for r in entering if r.then.ivig))
        evidence = list(dict.fromkeys(r.evidence for r in entering if r.evidence))
        head = self.verdict_words(verdicts[0]) if len(verdicts) == 1 else "IVIG"
        if len(evidence) == 1:
            head += ": " + self.evidence_words(evidence[0])
        elif evidence:
            head += ": evidence varies"
        step = self.pathway.steps[step_id]
        regimen = self.pathway.doses.get(step.dose) if step.dose else None
        dose = dose_words(regimen) if regimen else "no dose in the source"
        return [head, dose], {"verdicts": tuple(verdicts), "evidence": tuple(evidence), "mixed": len(verdicts) > 1}

    def step(self, step_id: str) -> str:
        step = self.pathway.steps[step_id]
        panel = self.panel_of[step_id]
        if step.therapy == "ivig":
            lines, extra = self._ivig_lines(step_id)
            return self.add(_step_node(step_id), "action", panel, lines, step=step_id, ivig=True, **extra)
        words = self.teaching.steps.get(step_id, step.label)
        regimen = self.pathway.doses.get(step.dose) if step.dose else None
        lines = [words] + ([dose_words(regimen)] if regimen else [])
        return self.add(_step_node(step_id), "action", panel, lines, step=step_id, ivig=False)

    def gate(self, step_id: str) -> str:
        node = _gate_node(step_id)
        if node in self.nodes:
            return node
        teaching = self.screening.teaching
        self.add(node, "gate", self.panel_of[step_id], [teaching.question], step=step_id,
                 rules=tuple(r.id for r in self.screening.rules))
        self.exits[node].append({"target": self.step(step_id), "label": teaching.passed, "rules": (), "kind": "flow"})
        self.exits[node].append({"target": self._contraindicated(node), "label": teaching.stopped,
                                 "rules": self._stopping_rules(), "kind": "link"})
        return node

    def _stopping_rules(self) -> tuple[str, ...]:
        """The screening rules behind the gate's 'no': those that make IVIG contraindicated. A
        screening rule with another verdict is one of the gate's notes, with its verdict's label."""
        return tuple(r.id for r in self.screening.rules if r.then.ivig == "contraindicated")

    def _contraindicated(self, origin: str) -> str:
        panel = self.nodes[origin]["panel"]
        if self.has_exceptions() and panel != EXCEPTIONS:
            return self.add(f"ref:{origin}", "ref", panel, [], target=EXCEPTIONS_ENTRY)
        label = self.vocab.verdicts["contraindicated"].label
        return self.add(f"end:{origin}:contraindicated", "end", panel, [f"IVIG: {_lower_first(label)}"],
                        verdicts=("contraindicated",))

    def owner(self, origin: str) -> str:
        """Who owns the exits of ``origin``: the shared decision its question names, or itself."""
        position = self._position(origin)
        question = self.teaching.question_after(position) if position else None
        return f"decide:{question.id}" if question and len(question.after) > 1 else origin

    def target(self, rule: Rule, place: Placement, origin: str, from_position: str) -> str:
        """Where an arrow of ``rule`` leaving ``origin`` ends: a step (through its gate), a
        connector to the other panel, or an end state."""
        panel = self.nodes[origin]["panel"]
        owner = self.owner(origin)
        step_id = rule.then.next_step
        if step_id is None:
            end = place.end or "Path ends"
            return self.add(f"end:{owner}:{end}", "end", panel, [end])
        into = self.step(step_id)
        if self.panel_of[step_id] != panel:
            return self.add(f"ref:{owner}:{step_id}", "ref", panel, [], target=into)
        gated = (
            self.screening is not None
            and self.nodes[into]["ivig"]
            and not (from_position in self.pathway.steps and self.pathway.steps[from_position].therapy == "ivig")
        )
        return self.gate(step_id) if gated else into

    # -- arrows --------------------------------------------------------------------------------
    def origin(self, position: str, place: str) -> str:
        """The node an arrow from ``position`` leaves: the exceptions entry for an exception rule
        seen from outside that panel, else the position's box (its decision is added later)."""
        if place == EXCEPTION and self.panel_of[position] != EXCEPTIONS:
            return self.exceptions_entry()
        return ENTRY if position == STEP_START else self.step(position)

    def exceptions_entry(self) -> str:
        return self.add(EXCEPTIONS_ENTRY, "state", EXCEPTIONS, [self.teaching.exceptions.title])

    def route(self) -> None:
        self.add(ENTRY, "state", MAIN, [self.teaching.start])
        for rule in self.pathway.rules:
            place = self.places[rule.id]
            if place.place == NOTE:
                continue
            for position in rule.from_steps:
                if rule.then.next_step == position and place.place == ARROW:
                    continue  # staying on the step: the arrows from its other positions show the rule
                origin = self.origin(position, place.place)
                self._exit(origin, rule, place, position)
        self._links_to_exceptions()

    def _exit(self, origin: str, rule: Rule, place: Placement, position: str) -> None:
        target = self.target(rule, place, origin, position)
        self.exits[origin].append({"target": target, "label": place.label, "rules": (rule.id,), "kind": "rule"})

    def _links_to_exceptions(self) -> None:
        """IVIG steps of the main path whose failure the exceptions panel handles get an exit there."""
        if not self.has_exceptions():
            return
        leads: dict[str, list[str]] = {}  # origin -> the exception rules taken after it
        for rule in self.pathway.rules:
            if self.places[rule.id].place != EXCEPTION:
                continue
            for position in rule.from_steps:
                step = self.pathway.steps.get(position)
                if step is None or step.therapy != "ivig" or self.panel_of[position] == EXCEPTIONS:
                    continue
                leads.setdefault(self.step(position), []).append(rule.id)
        for origin, rules in leads.items():
            if not any(e["kind"] == "link" for e in self.exits[origin]):
                ref = self.add(f"ref:{self.owner(origin)}", "ref", self.nodes[origin]["panel"], [], target=EXCEPTIONS_ENTRY)
                self.exits[origin].append({"target": ref, "label": self.teaching.exceptions.link, "rules": (), "kind": "link",
                                           "leads": tuple(rules)})

    # -- decisions -------------------------------------------------------------------------------
    def decisions(self) -> list[tuple[str, str, dict]]:
        """Edges, with a decision hexagon wherever a box has several exits or a question."""
        edges: list[tuple[str, str, dict]] = []
        shared: dict[str, str] = {}
        for origin in list(self.nodes):
            exits = self.exits.get(origin, [])
            if not exits:
                continue
            position = self._position(origin)
            question = self.teaching.question_after(position) if position else None
            if origin == EXCEPTIONS_ENTRY:
                text = self.teaching.exceptions.question
            else:
                text = question.question if question else ""
            if self.nodes[origin]["kind"] == "gate" or (len({e["target"] for e in exits}) < 2 and not question):
                edges += [(origin, e["target"], e) for e in exits]
                continue
            key = question.id if question else origin
            decision = shared.get(key)
            if decision is None:
                decision = shared[key] = self.add(f"decide:{key}", "decision", self.nodes[origin]["panel"],
                                                  [text or "Which way?"], position=position or "",
                                                  question_missing=not text)
                self.exits[decision] = []
            leads = tuple(dict.fromkeys(r for e in exits for r in (*e["rules"], *e.get("leads", ()))))
            edges.append((origin, decision, {"kind": "flow", "label": "", "rules": (), "leads": leads}))
            edges += [(decision, e["target"], e) for e in exits]
        return _merged(edges)

    def _position(self, origin: str) -> str | None:
        if origin == ENTRY:
            return STEP_START
        if origin.startswith("step:"):
            return origin[len("step:"):]
        return None

    # -- notes ---------------------------------------------------------------------------------
    def collect_notes(self) -> None:
        for rule in self.pathway.rules:
            place = self.places[rule.id]
            if place.place != NOTE:
                continue
            anchor = rule.then.next_step or next((p for p in rule.from_steps if p != STEP_START), None)
            node = self.step(anchor) if anchor else ENTRY
            self._note(place.label, (rule.id,), node, unplaced=rule.id not in self.teaching.rules)
        for step_id, step in self.pathway.steps.items():
            node = _step_node(step_id)
            if node not in self.nodes:
                continue
            regimen = self.pathway.doses.get(step.dose) if step.dose else None
            if step.with_therapies:
                names = ", ".join(_lower_first(self.vocab.therapies[t].label) for t in step.with_therapies)
                self._note(f"Given together with {names}.", (), node)
            if regimen is not None and regimen.max_g_per_day is not None:
                self._note(f"At most {regimen.max_g_per_day:g} g a day.", (), node)
            if regimen is not None and regimen.then:
                self._note(regimen.then, (), node)
        gates = [n for n, d in self.nodes.items() if d["kind"] == "gate"]
        if gates:
            for text, rules in self._gate_notes():
                self._note(text, rules, gates[0], also=gates[1:])

    def _gate_notes(self) -> list[tuple[str, tuple[str, ...]]]:
        """The screening in a few notes, each short enough for one box of the notes: the groups the
        safety file's teaching block names, then the other rules by verdict (what stops IVIG)
        or by their alerts' severity."""
        teaching = self.screening.teaching
        grouped = {rule_id: heading for heading, members in teaching.groups for rule_id in members}
        groups: dict[str, list] = {heading: [] for heading, _ in teaching.groups}
        for rule in self.screening.rules:
            phrase = teaching.rules.get(rule.id, rule.id.replace("_", " "))
            if rule.id in grouped:
                key = grouped[rule.id]
            elif rule.then.ivig is not None:
                key = self.vocab.verdicts[rule.then.ivig].label
            else:
                severities = [self.vocab.alerts[a].severity for a in rule.then.alerts]
                key = (severities[0] if severities else "info").capitalize()
            groups.setdefault(key, []).append((phrase, rule.id))
        out = []
        for key, items in groups.items():
            phrases: list[str] = []
            rules: list[str] = []
            for phrase, rule_id in items:
                if phrases and len(f"{key}: {', '.join(phrases + [phrase])}.") > NOTE_LIMIT:
                    out.append((f"{key}: {', '.join(phrases)}.", tuple(rules)))
                    phrases, rules = [], []
                phrases.append(phrase)
                rules.append(rule_id)
            if phrases:
                out.append((f"{key}: {', '.join(phrases)}.", tuple(rules)))
        return out

    def _note(self, text: str, rules: tuple[str, ...], node: str, *, also: Iterable[str] = (), unplaced: bool = False) -> None:
        self.notes.append({"text": text, "rules": rules, "anchors": (node, *also), "unplaced": unplaced})

    # -- numbers -------------------------------------------------------------------------------
    def number(self, edges: list[tuple[str, str, dict]]) -> None:
        """Boxes numbered panel by panel, breadth first from each panel's entry, side exits first."""
        children: dict[str, list[str]] = {}
        for source, target, _ in edges:
            children.setdefault(source, []).append(target)
        order: list[str] = []
        for root in (ENTRY, EXCEPTIONS_ENTRY):
            if root in self.nodes:
                order += _reading_order(root, children, self.nodes, set(order))
        order += [n for n in self.nodes if n not in order]
        count = 0
        for node in order:
            if self.nodes[node]["kind"] != "ref":
                count += 1
                self.nodes[node]["number"] = count
        marks: dict[str, list[int]] = {}
        ordered = sorted(self.notes, key=lambda n: (self.nodes[n["anchors"][0]]["number"], n["unplaced"]))
        for index, note in enumerate(ordered, 1):
            note["number"] = index
            for anchor in note["anchors"]:
                marks.setdefault(anchor, []).append(index)
        self.notes = ordered
        for node, data in self.nodes.items():
            data["notes"] = tuple(marks.get(node, ()))
        for node, data in self.nodes.items():
            if data["kind"] == "ref":
                target = data["target"]
                if target.startswith("step:") and _gate_node(target[5:]) in self.nodes and data["panel"] != self.nodes[target]["panel"]:
                    target = _gate_node(target[5:])
                data["number_of_target"] = self.nodes[target]["number"]
                data["lines"] = [str(self.nodes[target]["number"])]

    def _end_verdicts(self, edges: list[tuple[str, str, dict]]) -> None:
        for source, target, data in edges:
            node = self.nodes[target]
            if node["kind"] == "end" and data.get("rules"):
                node.setdefault("rule_ids", [])
                node["rule_ids"] += [r for r in data["rules"] if r in self.rules]
        for node in self.nodes.values():
            if node["kind"] != "end" or "rule_ids" not in node:
                continue
            verdicts = list(dict.fromkeys(self.rules[r].then.ivig for r in node.pop("rule_ids") if self.rules[r].then.ivig))
            node["verdicts"] = tuple(verdicts)
            if len(verdicts) == 1 and not node["lines"][-1].startswith("IVIG: "):
                node["lines"].append(f"IVIG: {_lower_first(self.vocab.verdicts[verdicts[0]].label)}")

    def _mixed_verdict_labels(self, edges: list[tuple[str, str, dict]]) -> None:
        """When an IVIG box is entered with different verdicts, each arrow into it says its own."""
        for node_id, node in self.nodes.items():
            if node["kind"] != "action" or not node.get("mixed"):
                continue
            into = {node_id, _gate_node(node["step"])}
            for source, target, data in edges:
                if target in into and data.get("rules"):
                    verdicts = list(dict.fromkeys(self.rules[r].then.ivig for r in data["rules"] if r in self.rules))
                    if len(verdicts) == 1:
                        data["label"] = f"{data['label']}: {_lower_first(self.verdict_words(verdicts[0]))}"

    def _ivig_offered_labels(self, edges: list[tuple[str, str, dict]]) -> None:
        """An arrow to a step that is not IVIG, whose rules still give IVIG a verdict the safety
        screening applies to ('consider': IVIG is one of the options), says that verdict too."""
        offered = self.screening.applies_to if self.screening is not None else ("recommended", "consider")
        for _, target, data in edges:
            node = self.nodes[target]
            if node["kind"] not in ("action", "ref") or node.get("ivig") or not data.get("rules"):
                continue
            if node["kind"] == "ref" and (node["target"] == EXCEPTIONS_ENTRY or self.nodes[node["target"]].get("ivig")):
                continue
            verdicts = {self.rules[r].then.ivig for r in data["rules"] if r in self.rules}
            if len(verdicts) == 1 and next(iter(verdicts)) in offered:
                data["label"] = f"{data['label']}: {_lower_first(self.verdict_words(next(iter(verdicts))))}"

    def _evidence_notes(self) -> None:
        """An IVIG box whose routes rest on different evidence gets a note per level of evidence."""
        for step_id, step in self.pathway.steps.items():
            node = self.nodes.get(_step_node(step_id))
            if node is None or len(node.get("evidence", ())) < 2:
                continue
            for level in node["evidence"]:
                rules = [r for r in self._entering(step_id) if r.evidence == level]
                routes = " or ".join(dict.fromkeys(self.places[r.id].label for r in rules))
                words = self.evidence_words(level)
                self._note(f"{words[:1].upper()}{words[1:]}: {routes}.", (), _step_node(step_id))

    # -- result ---------------------------------------------------------------------------------
    def build(self) -> "nx.DiGraph":
        import networkx as nx

        self.route()
        for step_id in self.pathway.steps:
            self.step(step_id)  # a step no rule leads to is still drawn (lint reports it)
        edges = self.decisions()
        self.collect_notes()
        self._evidence_notes()
        self._end_verdicts(edges)
        self._mixed_verdict_labels(edges)
        self._ivig_offered_labels(edges)
        self.number(edges)
        pathway, teaching = self.pathway, self.teaching
        graph = nx.DiGraph(
            view=TEACHING_VIEW,
            pathway=pathway.id,
            screening=self.screening.id if self.screening is not None else None,
            title=teaching.title or pathway.title,
            full_title=pathway.title,
            summary=teaching.summary,
            version=pathway.version,
            last_reviewed=pathway.last_reviewed.isoformat(),
            review_due=pathway.review_due.isoformat(),
            panels=self._panel_titles(),
            notes=tuple(dict(n) for n in self.notes),
        )
        for node, data in self.nodes.items():
            data["label"] = " ".join(data["lines"])
            graph.add_node(node, **data)
        for source, target, data in edges:
            clean = {k: v for k, v in data.items() if k != "target"}
            graph.add_edge(source, target, **clean)
        return graph

    def _panel_titles(self) -> tuple[tuple[str, str], ...]:
        panels = [(MAIN, self.teaching.title or self.pathway.title)]
        if self.has_exceptions():
            panels.append((EXCEPTIONS, "When IVIG cannot be used"))
        return tuple(panels)


def _reading_order(root: str, children: dict[str, list[str]], nodes: dict[str, dict], done: set[str]) -> list[str]:
    """Boxes top to bottom as a layered drawing shows them: by the longest path from the panel's
    entry (arrows back up are ignored), side exits (end states, connectors) first in a layer."""
    found: list[str] = []  # breadth-first discovery, side exits first
    queue = deque([root])
    while queue:
        node = queue.popleft()
        if node in found or node in done:
            continue
        found.append(node)
        kids = children.get(node, [])
        queue.extend(sorted(kids, key=lambda k: nodes[k]["kind"] not in ("end", "ref")))
    depth = {root: 0}
    on_path: set[str] = set()

    def visit(node: str, level: int) -> None:
        if depth.get(node, -1) > level or node in on_path or node not in found:
            return
        depth[node] = level
        on_path.add(node)
        for kid in children.get(node, []):
            visit(kid, level + 1)
        on_path.discard(node)

    visit(root, 0)
    for node in found:
        nodes[node]["depth"] = depth.get(node, 0)
    return sorted(found, key=lambda n: (depth.get(n, 0), found.index(n)))


def _merged(edges: list[tuple[str, str, dict]]) -> list[tuple[str, str, dict]]:
    """One arrow per pair of boxes: the rules of every exit between them, their labels joined."""
    out: dict[tuple[str, str], dict] = {}
    labels: dict[tuple[str, str], list[str]] = {}
    for source, target, data in edges:
        pair = (source, target)
        if pair not in out:
            out[pair] = {k: v for k, v in data.items() if k != "target"}
            labels[pair] = [data["label"]] if data["label"] else []
            continue
        out[pair]["rules"] = tuple(dict.fromkeys(out[pair]["rules"] + data["rules"]))
        if "leads" in data:
            out[pair]["leads"] = tuple(dict.fromkeys(out[pair].get("leads", ()) + data["leads"]))
        if data["label"] and data["label"] not in labels[pair]:
            labels[pair].append(data["label"])
    for pair, data in out.items():
        data["label"] = " or ".join(labels[pair])
    return [(s, t, d) for (s, t), d in out.items()]


def teaching_view(pathway: Pathway, screening: Screening | None, vocabulary: Vocabulary) -> "nx.DiGraph":
    """The pathway's teaching view (see the module docstring); ``screening=None`` leaves out the gate."""
    return _Builder(pathway, screening, vocabulary).build()
