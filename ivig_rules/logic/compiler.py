"""Compiles a pathway (plus the safety screening) into one engine-ready ruleset.

Conditions become a small normal form (negation pushed into the comparisons, ``in`` expanded)
that both engines run: durable-rules through :func:`durable_definition`, the reference
evaluator directly. Pushing negation down is what lets us avoid durable-rules' ``none``,
whose result depends on fact and rule order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

from ..model.facts import ENGINE_TREATMENT_PREFIX, therapy_of, treatment_fact
from ..model import AllOf, AnyOf, Compare, Condition, Not, Pathway, Patient, Rule, Screening
from .predicates import ALWAYS, Predicate, all_of, any_of, cmp, expand, keys as predicate_keys

__all__ = [
    "compiled_for",
    "Predicate",
    "predicate_keys",
    "CompiledRule",
    "CompiledPathway",
    "compile_pathway",
    "normalise",
    "as_written",
    "push_negation",
    "engine_key",
    "fact_of_key",
    "durable_definition",
    "SEQ_KEY",
    "SENTINEL",
]

SEQ_KEY = "seq"
"""A per-fact counter: makes every fact unique and gives 'always' rules something to test."""
SENTINEL = "sentinel"
"""A rule that matches every fact, so a fact never goes unhandled and a session always has an action."""

_COMPLEMENT = MappingProxyType({"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not_in", "not_in": "in"})
_DURABLE_OPS = MappingProxyType({"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"})


def engine_key(fact: str) -> str:
    """The property name a fact has inside the engine (no dots: durable-rules reads them as paths)."""
    therapy = therapy_of(fact)
    return fact if therapy is None else ENGINE_TREATMENT_PREFIX + therapy


def push_negation(condition: Condition, negate: bool = False) -> Condition:
    """The condition with every ``not`` pushed into its comparisons (De Morgan), ``in`` lists kept
    whole: only AllOf, AnyOf and Compare remain. The one reading of negation that the engines
    (through :func:`normalise`) and ``explain`` share."""
    if isinstance(condition, Compare):
        if not negate:
            return condition
        return Compare(condition.fact, _COMPLEMENT[condition.op], condition.value, condition.line)
    if isinstance(condition, Not):
        return push_negation(condition.item, not negate)
    if isinstance(condition, (AllOf, AnyOf)):
        kind = type(condition)
        if negate:
            kind = AnyOf if kind is AllOf else AllOf
        return kind(tuple(push_negation(item, negate) for item in condition.items), condition.line)
    raise TypeError(f"not a condition: {condition!r}")


def fact_of_key(key: str) -> str:
    """The inverse of :func:`engine_key`: the vocabulary's name for an engine property."""
    if key.startswith(ENGINE_TREATMENT_PREFIX):
        return treatment_fact(key[len(ENGINE_TREATMENT_PREFIX):])
    return key


def normalise(condition: Condition, negate: bool = False) -> Predicate:
    """The engine form: negation normal form over comparisons; flattened; ``in``/``not_in`` expanded."""
    return expand(as_written(condition, negate))


def as_written(condition: Condition, negate: bool = False) -> Predicate:
    """The written form: typed nodes over engine keys with negation pushed into the comparisons,
    but ``in``/``not_in`` lists kept whole and the author's grouping kept (nothing flattened).
    What diagrams, the atlas and the FHIR export put into words; :func:`normalise` expands it."""
    return _typed(push_negation(condition, negate))


def _typed(condition: Condition) -> Predicate:
    """A negation-free condition (only AllOf, AnyOf and Compare) as typed nodes, shape for shape."""
    if isinstance(condition, Compare):
        return cmp(engine_key(condition.fact), condition.op, condition.value)
    items = tuple(_typed(item) for item in condition.items)
    return all_of(items) if isinstance(condition, AllOf) else any_of(items)


@dataclass(frozen=True)
class CompiledRule:
    name: str  # the engine's name for it: r000, r001, ...
    rule: Rule
    origin: str  # pathway | screening
    predicate: Predicate


@dataclass(frozen=True)
class CompiledPathway:
    pathway: Pathway
    screening: Screening
    rules: tuple[CompiledRule, ...]
    keys: tuple[str, ...]
    fingerprint: str
    screening_facts: tuple[str, ...] = ()  # the facts the safety screening reads (vocabulary names)

    def by_name(self) -> Mapping[str, CompiledRule]:
        return {r.name: r for r in self.rules}

    @cached_property
    def _key_facts(self) -> tuple[tuple[str, str], ...]:
        """(engine key, fact name) for every key the rules read, worked out once per pathway."""
        return tuple((key, fact_of_key(key)) for key in self.keys)

    @cached_property
    def facts_read(self) -> frozenset[str]:
        """The vocabulary names of every fact the rules read (pathway and screening), once per pathway."""
        return frozenset(fact for _, fact in self._key_facts)

    def engine_facts(self, patient: Patient) -> dict[str, Any]:
        """The patient's facts as the engine sees them: only what the rules read, all present."""
        facts = patient.facts
        out = {key: facts.get(fact) for key, fact in self._key_facts}
        if None in out.values():
            missing = next(fact for key, fact in self._key_facts if out[key] is None)
            raise ValueError(f"fact {missing!r} has no value; patients must be validated before evaluation")
        return out


def compiled_for(catalogue, diagnosis: str) -> CompiledPathway:
    """The catalogue's compiled pathway for a diagnosis, compiled once and kept with the catalogue
    (derived data of a frozen value), so that every evaluator of it, and every audit worker forked
    after the main process checked it, shares the one compiled object."""
    kept = catalogue.__dict__.setdefault("_compiled_pathways", {})
    compiled = kept.get(diagnosis)
    if compiled is None:
        compiled = kept[diagnosis] = compile_pathway(catalogue.pathway_for(diagnosis), catalogue.screening)
    return compiled


def compile_pathway(pathway: Pathway, screening: Screening) -> CompiledPathway:
    """Compile the pathway's rules, then the screening's, in file order (which is priority order)."""
    rules = []
    for origin, source in (("pathway", pathway.rules), ("screening", screening.rules)):
        for rule in source:
            rules.append(CompiledRule(f"r{len(rules):03d}", rule, origin, normalise(rule.when)))
    keys: set[str] = set()
    for compiled in rules:
        keys |= predicate_keys(compiled.predicate)
    screening_keys: set[str] = set()
    for compiled in rules:
        if compiled.origin == "screening":
            screening_keys |= predicate_keys(compiled.predicate)
    definition = durable_definition(tuple(rules))
    fingerprint = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:16]
    return CompiledPathway(
        pathway, screening, tuple(rules), tuple(sorted(keys)), fingerprint,
        tuple(sorted(fact_of_key(k) for k in screening_keys)),
    )


# -- durable-rules ----------------------------------------------------------------------------


def _durable_expr(predicate: Predicate) -> dict:
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        if op == "==":
            return {key: value}
        return {_DURABLE_OPS[op]: {key: value}}
    parts = predicate[1]
    if not parts:
        # durable-rules has no literal true/false: test the counter every fact carries.
        return {"$gte": {SEQ_KEY: 0}} if kind == "all" else {SEQ_KEY: -1}
    return {"$and" if kind == "all" else "$or": [_durable_expr(p) for p in parts]}


def durable_definition(rules: tuple[CompiledRule, ...]) -> dict:
    """The durable-rules ruleset definition (JSON-ready; actions are attached by the engine)."""
    definition = {r.name: {"all": [{"m": _durable_expr(r.predicate)}]} for r in rules}
    definition[SENTINEL] = {"all": [{"m": _durable_expr(ALWAYS)}]}
    return definition

