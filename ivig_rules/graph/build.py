"""Builds a pathway's directed graph from the loaded model, the same one the engine runs.

Nodes: the entry (the diagnosis, rules ``from: start``), one node per therapy step, a decision
node where one position branches to several places (shared by the positions a rule list names
together in ``from``), and one outcome node per IVIG verdict that ends a path. Each rule is an edge from its ``from`` node (through the decision node, if any) to
its ``next_step``, or to its verdict's outcome when it names no next step. Arrow labels are
derived from the rule conditions, so the picture cannot drift from the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..logic.compiler import as_written, engine_key, fact_of_key
from ..logic.predicates import Predicate, all_of, any_of, cmp, comparisons, conjuncts
from ..model import STEP_START, Pathway, Rule, Screening, Vocabulary
from .labels import PENDING, condition_text, dose_summary, fact_label, humanise, predicate_text
from ..model.facts import treatment_fact

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "build_graph",
    "short_labels",
    "ENTRY",
    "SCREENING",
    "step_node",
    "decision_node",
    "outcome_node",
    "NODE_KINDS",
]

ENTRY = "entry"
SCREENING = "screening"
NODE_KINDS = ("entry", "decision", "step", "outcome", "screening")
_MAX_DECISION_FACTS = 3


def step_node(step_id: str) -> str:
    return f"step_{step_id}"


def decision_node(position: str) -> str:
    return f"decide_{position}"


def outcome_node(verdict: str) -> str:
    return f"outcome_{verdict}"


def _position_node(position: str) -> str:
    return ENTRY if position == STEP_START else step_node(position)


def _routed(rule: Rule) -> bool:
    """A rule that moves the patient: it names a next step or ends the path with a verdict."""
    return rule.then.next_step is not None or rule.then.ivig is not None


def _by_position(rules: Sequence[Rule]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {}
    for rule in rules:
        for position in rule.from_steps:
            out.setdefault(position, []).append(rule)
    return out


def _shared(groups: list[tuple[Predicate, ...]]) -> list[Predicate]:
    if not groups:
        return []
    return [part for part in groups[0] if all(part in other for other in groups[1:])]


def _pending_for(part: Predicate, therapy: str | None) -> bool:
    """True for 'the next step's own therapy is not tried (or under way)': the arrow says that.

    'ongoing' alone is kept: it marks a patient already on the therapy, not one moving to it.
    """
    if therapy is None or part.kind != "cmp" or part.key != engine_key(treatment_fact(therapy)):
        return False
    values = part.value if part.op == "in" else (part.value,) if part.op == "==" else ()
    return PENDING[0] in values and all(v in PENDING for v in values)  # PENDING[0] is not_tried


def _distinguishing(pathway: Pathway) -> dict[str, list[Predicate]]:
    """Per rule id, the parts of its condition that tell it apart from its siblings and its way in."""
    parts_of = {rule.id: conjuncts(as_written(rule.when)) for rule in pathway.rules}
    incoming: dict[str, list[tuple[Predicate, ...]]] = {}
    for rule in pathway.rules:
        if rule.then.next_step and rule.then.next_step not in rule.from_steps:
            incoming.setdefault(rule.then.next_step, []).append(parts_of[rule.id])
    out: dict[str, list[Predicate]] = {}
    for position, rules in _by_position(pathway.rules).items():
        routed = [r for r in rules if _routed(r)]
        common = _shared([parts_of[r.id] for r in routed]) if len(routed) > 1 else []
        inherited = _shared(incoming.get(position, []))
        for rule in routed:
            parts = list(parts_of[rule.id])
            kept = [p for p in parts if p not in common and p not in inherited]
            out[rule.id] = kept if kept else parts
    return out


def short_labels(pathway: Pathway, vocab: Vocabulary | None = None) -> dict[str, str]:
    """Per rule id, a short arrow label: what this rule adds over its siblings and its way in."""
    out: dict[str, str] = {}
    for rule_id, parts in _distinguishing(pathway).items():
        rule = next(r for r in pathway.rules if r.id == rule_id)
        target = pathway.steps[rule.then.next_step].therapy if rule.then.next_step else None
        shorter = [p for p in parts if not _pending_for(p, target)]
        chosen = shorter if shorter else parts
        out[rule_id] = predicate_text(chosen[0] if len(chosen) == 1 else all_of(chosen), vocab)
    return out


def _values(part: Predicate) -> tuple | None:
    """The values a single-fact test accepts (== or in), else None."""
    if part.kind == "cmp" and part.op in ("==", "in"):
        return part.value if part.op == "in" else (part.value,)
    return None


def merged_label(parts_per_rule: list[list[Predicate]], vocab: Vocabulary | None) -> str:
    """One arrow label for several rules: their shared conditions once, and what differs merged.

    'IVIG contraindicated / not tried, corticosteroids failed / ...' reads better than
    '(IVIG contraindicated, corticosteroids ...) or (IVIG not tried, corticosteroids ...)'.
    """
    common = [p for p in parts_per_rule[0] if all(p in other for other in parts_per_rule[1:])]
    rests = [[p for p in parts if p not in common] for parts in parts_per_rule]
    if any(not rest for rest in rests):  # one rule needs nothing more: the shared part is the label
        return predicate_text(all_of(common), vocab) if common else "always"
    single = [rest[0] for rest in rests if len(rest) == 1]
    facts = {p.key for p in single if p.kind == "cmp"}
    if len(single) == len(rests) and len(facts) == 1 and all(_values(p) is not None for p in single):
        values = tuple(dict.fromkeys(v for p in single for v in _values(p)))
        merged: Predicate = cmp(single[0].key, "in", values) if len(values) > 1 else single[0]
        return predicate_text(all_of((merged, *common)), vocab)
    alternatives = any_of(all_of(rest) if len(rest) > 1 else rest[0] for rest in rests)
    return predicate_text(all_of((*common, alternatives)) if common else alternatives, vocab)


def _decision_label(rules: list[Rule], parts: dict[str, list[Predicate]], vocab: Vocabulary | None) -> tuple[str, tuple[str, ...]]:
    facts = list(dict.fromkeys(fact_of_key(c.key) for rule in rules for part in parts.get(rule.id, []) for c in comparisons(part)))
    names = [fact_label(f, vocab) for f in facts]
    shown = names[:_MAX_DECISION_FACTS] + (["..."] if len(names) > _MAX_DECISION_FACTS else [])
    text = ", ".join(shown) + "?" if shown else "which branch?"
    return text[:1].upper() + text[1:], tuple(facts)


def _verdict_label(verdict: str, vocab: Vocabulary | None) -> str:
    label = vocab.verdicts[verdict].label if vocab is not None and verdict in vocab.verdicts else humanise(verdict)
    return label if "IVIG" in label else f"IVIG {label[:1].lower()}{label[1:]}"


def _citations(items) -> tuple[str, ...]:
    return tuple(sorted({str(c) for c in items}))


def _add_rule_edge(graph, origin: str, target: str, rule: Rule, label: str, vocab: Vocabulary | None) -> None:
    condition = condition_text(rule.when, vocab)
    if graph.has_edge(origin, target):
        data = graph.edges[origin, target]
        data["rules"] += (rule.id,)
        data["labels"] += (label,)
        data["conditions"] += (condition,)
        data["verdicts"] += (rule.then.ivig,)
        data["evidence"] += (rule.evidence,)
        data["citations"] = tuple(sorted(set(data["citations"]) | set(_citations(rule.citations))))
        unique = list(dict.fromkeys(data["labels"]))
        data["label"] = " or ".join(f"({t})" if "," in t and len(unique) > 1 else t for t in unique)
        verdicts = set(data["verdicts"])
        data["verdict"] = data["verdicts"][0] if len(verdicts) == 1 else "mixed"
        return
    graph.add_edge(
        origin,
        target,
        kind="rule",
        label=label,
        rules=(rule.id,),
        labels=(label,),
        conditions=(condition,),
        verdicts=(rule.then.ivig,),
        verdict=rule.then.ivig,
        evidence=(rule.evidence,),
        citations=_citations(rule.citations),
    )


def _add_outcome(graph, verdict: str, line: int, vocab: Vocabulary | None) -> str:
    node = outcome_node(verdict)
    if node not in graph:
        graph.add_node(node, kind="outcome", verdict=verdict, label=_verdict_label(verdict, vocab), line_of_therapy=line)
    return node


def _add_steps(graph, pathway: Pathway, vocab: Vocabulary | None) -> None:
    for step in pathway.steps.values():
        therapy_label = vocab.therapies[step.therapy].label if vocab and step.therapy in vocab.therapies else humanise(step.therapy)
        regimen = pathway.doses.get(step.dose) if step.dose else None
        graph.add_node(
            step_node(step.id),
            kind="step",
            step=step.id,
            label=step.label,
            therapy=step.therapy,
            therapy_label=therapy_label,
            line_of_therapy=step.line_of_therapy,
            with_therapies=step.with_therapies,
            dose=step.dose,
            dose_summary=dose_summary(regimen) if regimen else None,
            citations=_citations(step.citations),
            notes=step.notes,
            final=step.final,
        )


def _add_screening(graph, screening: Screening, outcome_line: int, vocab: Vocabulary | None) -> None:
    alerts = sorted({a for r in screening.rules for a in r.then.alerts})
    graph.add_node(
        SCREENING,
        kind="screening",
        label=screening.title,
        applies_to=screening.applies_to,
        rules=tuple(r.id for r in screening.rules),
        alerts=tuple(alerts),
        line_of_therapy=0,
    )
    for rule in screening.rules:
        if rule.then.ivig is not None:
            target = _add_outcome(graph, rule.then.ivig, outcome_line, vocab)
            _add_rule_edge(graph, SCREENING, target, rule, condition_text(rule.when, vocab), vocab)


def build_graph(pathway: Pathway, screening: Screening | None = None, vocabulary: Vocabulary | None = None) -> "nx.DiGraph":
    """The pathway as a ``networkx.DiGraph`` (see the module docstring for its shape)."""
    import networkx as nx

    max_line = max((s.line_of_therapy for s in pathway.steps.values()), default=0)
    graph = nx.DiGraph(
        pathway=pathway.id,
        title=pathway.title,
        diagnosis=pathway.diagnosis,
        version=pathway.version,
        status=pathway.status,
        last_reviewed=pathway.last_reviewed.isoformat(),
        review_due=pathway.review_due.isoformat(),
        sources=pathway.sources,
        max_line=max_line,
    )
    graph.add_node(ENTRY, kind="entry", label=pathway.title, diagnosis=pathway.diagnosis, line_of_therapy=0)
    _add_steps(graph, pathway, vocabulary)
    labels = short_labels(pathway, vocabulary)
    parts = _distinguishing(pathway)
    shared: dict[tuple[str, ...], str] = {}  # the same rules after several steps: one decision
    for position, rules in _by_position(pathway.rules).items():
        source = _position_node(position)
        extra = tuple(r.id for r in rules if not _routed(r))
        if extra:
            graph.nodes[source]["alert_rules"] = extra
        routed = [r for r in rules if _routed(r)]
        targets = {r.then.next_step or r.then.ivig for r in routed}
        origin = source
        if len(targets) > 1:
            signature = tuple(r.id for r in routed)
            if signature in shared:
                graph.add_edge(source, shared[signature], kind="branch", label="", rules=())
                continue
            origin = shared[signature] = decision_node(position)
            label, facts = _decision_label(routed, parts, vocabulary)
            graph.add_node(
                origin, kind="decision", label=label, facts=facts, position=position,
                line_of_therapy=graph.nodes[source]["line_of_therapy"],
            )
            graph.add_edge(source, origin, kind="branch", label="", rules=())
        for rule in routed:
            if rule.then.next_step:
                target = step_node(rule.then.next_step)
            else:
                target = _add_outcome(graph, rule.then.ivig, max_line + 1, vocabulary)
            _add_rule_edge(graph, origin, target, rule, labels[rule.id], vocabulary)
    for _, _, data in graph.edges(data=True):
        rules = data.get("rules", ())
        if len(rules) > 1 and all(r in parts for r in rules):
            data["label"] = merged_label([list(parts[r]) for r in rules], vocabulary)
    if screening is not None:
        _add_screening(graph, screening, max_line + 1, vocabulary)
    return graph
