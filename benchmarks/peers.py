"""ivig-rules' engines side by side with other Python rule engines, on the same compiled rules.

    pip install -e '.[bench]'                       # clipspy, business-rules, rule-engine, zen-engine
    pip install experta                             # optional; see the note on collections.Mapping
    .venv/bin/python benchmarks/peers.py            # MS relapse and CIDP with the safety screening
    .venv/bin/python benchmarks/peers.py --quick    # fewer patients, a sample of the fact space

Every peer's rules are generated from the same compiled model (``compile_pathway``: the
pathway's rules and the safety screening, negation pushed into the comparisons). Before any
timing, every matcher is run on every patient of each pathway's fact space and must fire
exactly the rules the reference evaluator fires; a disagreement stops the run. Then one
interleaved run: for each block of generated patients, every matcher in turn (the order rotates from
block of 100 patients to the next), so the machine's load falls on all of them alike while each
keeps its caches warm within a block (interleaving single calls measured cache misses, not engines). "match only" is the
matcher on the engine facts; "full evaluate" is ``Evaluator.evaluate`` with the peer as its
engine (engine facts, matching, verdict, dose, alerts, citations), the same resolution for all.

Peers' own defects that would bias a figure, and what is done about them:
* clipspy 1.0.6 never frees a fact object handed to Python (``assert_fact`` returns one), so
  a loop slows from ~40 to ~155 us over 12,000 patients. Here each patient is one ``eval`` that
  asserts the fact, runs, retracts it and returns the fired rules from a CLIPS global: no fact
  object ever reaches Python. The price is CLIPS parsing that text for every patient, so the
  CLIPS row is an upper bound of what CLIPS itself costs.
* experta 1.9.4 does not import on Python 3.10+ (``collections.Mapping`` moved to
  ``collections.abc``); the alias is restored before importing it, as its users do.
* business-rules has no "not" and no "!=" for text: an enum "!=" becomes "equal to one of the
  other values" and a numeric "!=" becomes "< or >", both exact over the vocabulary's values.
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import itertools
import json
import math
import os
import statistics
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from cohort import patients  # noqa: E402
from measure import CLOCKS, call_clock, percentile  # noqa: E402

from ivig_rules.errors import IvigRulesError  # noqa: E402
from ivig_rules.loading.catalogue import load_catalogue  # noqa: E402
from ivig_rules.model import UNKNOWN  # noqa: E402
from ivig_rules.logic.compiler import CompiledPathway, compile_pathway  # noqa: E402
from ivig_rules.engines.durable import DurableEngine, keep_sessions_on_heap  # noqa: E402
from ivig_rules.engines.reference import ReferenceEngine  # noqa: E402
from ivig_rules.evaluation.evaluator import Evaluator  # noqa: E402
from ivig_rules.logic.fact_space import axes_for_rules, patient_from_engine_facts  # noqa: E402
from ivig_rules.loading.patient import patient_from_mapping  # noqa: E402
from ivig_rules.engines.matcher_code import compile_matcher  # noqa: E402

PATHWAYS = ("ms_relapse", "cidp")


# -- peers: each is an Engine (name, match(compiled, facts) -> frozenset of rule names, close) ---


class _PerPathway:
    """Builds a peer's rules once per compiled pathway, then matches with them."""

    name = "peer"

    def __init__(self, domains: dict[str, tuple]) -> None:
        self.domains = domains  # engine key -> every value it can take (for peers without '!=')
        self._built: dict[str, Any] = {}

    def match(self, compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        built = self._built.get(compiled.fingerprint)
        if built is None:
            built = self._built[compiled.fingerprint] = self.build(compiled)
        return self.run(built, facts)

    def build(self, compiled: CompiledPathway) -> Any:
        raise NotImplementedError

    def run(self, built: Any, facts: dict[str, Any]) -> frozenset[str]:
        raise NotImplementedError

    def close(self) -> None:
        self._built.clear()


class GeneratedPython(_PerPathway):
    name = "plain Python generated from the compiled predicates"

    def build(self, compiled):
        matcher = compile_matcher([(r.name, r.predicate) for r in compiled.rules])
        if matcher is None:
            raise RuntimeError("the predicates could not be compiled to Python")
        return matcher

    def run(self, built, facts):
        return built(facts)


def _clips_value(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _clips_expr(p) -> str:
    if p[0] == "cmp":
        _, key, op, value = p
        if isinstance(value, (str, bool)):
            return f"({'eq' if op == '==' else 'neq'} ?{key} {_clips_value(value)})"
        return f"({'=' if op == '==' else '<>' if op == '!=' else op} ?{key} {_clips_value(value)})"
    if not p[1]:
        return "(eq 1 1)" if p[0] == "all" else "(eq 1 0)"
    return f"({'and' if p[0] == 'all' else 'or'} {' '.join(_clips_expr(q) for q in p[1])})"


class Clips(_PerPathway):
    name = "CLIPS (clipspy 1.0.6)"

    def build(self, compiled):
        import clips

        env = clips.Environment()
        keys = list(compiled.keys)
        env.build(f"(deftemplate patient {' '.join(f'(slot {k})' for k in keys)})")
        env.build("(defglobal ?*fired* = (create$))")
        slots = " ".join(f"({k} ?{k})" for k in keys)
        for rule in compiled.rules:
            env.build(
                f"(defrule {rule.name} (patient {slots}) (test {_clips_expr(rule.predicate)}) "
                f"=> (bind ?*fired* (create$ ?*fired* {rule.name})))"
            )
        return env, keys

    def run(self, built, facts):
        env, keys = built
        slots = " ".join(f"({k} {_clips_value(facts[k])})" for k in keys)
        # One call, and no fact object ever reaches Python (clipspy 1.0.6 would never free it).
        fired = env.eval(f"(progn (bind ?*fired* (create$)) (bind ?f (assert (patient {slots}))) (run) (retract ?f) ?*fired*)")
        return frozenset(str(name) for name in fired)


class BusinessRules(_PerPathway):
    name = "business-rules 1.1.1"

    def _condition(self, p) -> dict:
        if p[0] == "cmp":
            _, key, op, value = p
            if key in self._mixed():  # true, false or 'unknown': compared as the text of each
                value = _as_text(value)
                if op == "==":
                    return {"name": key, "operator": "equal_to", "value": value}
                return {"any": [{"name": key, "operator": "equal_to", "value": _as_text(v)}
                                for v in self.domains[key] if _as_text(v) != value]}
            if isinstance(value, bool):
                return {"name": key, "operator": "is_true" if (op == "==") == value else "is_false", "value": True}
            if isinstance(value, str):
                if op == "==":
                    return {"name": key, "operator": "equal_to", "value": value}
                others = [v for v in self.domains[key] if v != value]
                return {"any": [{"name": key, "operator": "equal_to", "value": v} for v in others]}
            names = {"==": "equal_to", "<": "less_than", "<=": "less_than_or_equal_to", ">": "greater_than",
                     ">=": "greater_than_or_equal_to"}
            if op == "!=":
                return {"any": [{"name": key, "operator": "less_than", "value": value},
                                {"name": key, "operator": "greater_than", "value": value}]}
            return {"name": key, "operator": names[op], "value": value}
        parts = [self._condition(q) for q in p[1]]
        if not parts:  # business-rules has no constant: an always-true or never-true test
            parts = [{"name": "seq_always", "operator": "is_true" if p[0] == "all" else "is_false", "value": True}]
        return {p[0]: parts}

    def _mixed(self) -> set[str]:
        """Facts whose values are of more than one type (true, false or 'unknown')."""
        return {key for key, values in self.domains.items() if len({type(v) for v in values}) > 1}

    def build(self, compiled):
        from business_rules.actions import BaseActions, rule_action
        from business_rules.fields import FIELD_TEXT
        from business_rules.variables import BaseVariables, boolean_rule_variable, numeric_rule_variable, string_rule_variable

        attributes: dict[str, Any] = {"__init__": lambda self, facts: setattr(self, "facts", facts)}
        for key, values in self.domains.items():
            if key in self._mixed():
                attributes[key] = string_rule_variable(lambda self, key=key: _as_text(self.facts[key]))
                continue
            sample = values[0]
            kind = boolean_rule_variable if isinstance(sample, bool) else string_rule_variable if isinstance(sample, str) else numeric_rule_variable
            attributes[key] = kind(lambda self, key=key: self.facts[key])
        attributes["seq_always"] = boolean_rule_variable(lambda self: True)
        variables = type("PatientVariables", (BaseVariables,), attributes)

        class Fired(BaseActions):
            def __init__(self):
                self.fired = []

            @rule_action(params={"rule": FIELD_TEXT})
            def fire(self, rule):
                self.fired.append(rule)

        rules = [{"conditions": self._condition(r.predicate if r.predicate[0] != "cmp" else ("all", (r.predicate,))),
                  "actions": [{"name": "fire", "params": {"rule": r.name}}]} for r in compiled.rules]
        return rules, variables, Fired

    def run(self, built, facts):
        from business_rules import run_all

        rules, variables, fired_class = built
        fired = fired_class()
        run_all(rule_list=rules, defined_variables=variables(facts), defined_actions=fired, stop_on_first_trigger=False)
        return frozenset(fired.fired)


def _as_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _text_expr(p, true="true", false="false", eq="==") -> str:
    if p[0] == "cmp":
        _, key, op, value = p
        shown = ("true" if value else "false") if isinstance(value, bool) else json.dumps(value) if isinstance(value, str) else repr(value)
        return f"{key} {op} {shown}"
    if not p[1]:
        return true if p[0] == "all" else false
    return "(" + (" and " if p[0] == "all" else " or ").join(_text_expr(q) for q in p[1]) + ")"


class RuleEngine(_PerPathway):
    name = "rule-engine 5.1.0"

    def build(self, compiled):
        import rule_engine

        return [(r.name, rule_engine.Rule(_text_expr(r.predicate))) for r in compiled.rules]

    def run(self, built, facts):
        return frozenset(name for name, rule in built if rule.matches(facts))


def _dnf(p) -> list[list[tuple]]:
    """A predicate as rows of comparisons (decision tables hold one conjunction per row)."""
    if p[0] == "cmp":
        return [[p]]
    if p[0] == "any":
        return [row for q in p[1] for row in _dnf(q)]
    rows: list[list[tuple]] = [[]]
    for q in p[1]:
        rows = [a + b for a in rows for b in _dnf(q)]
    return rows


class Zen(_PerPathway):
    name = "zen-engine 2.1.3 (decision tables)"

    def build(self, compiled):
        import zen

        keys = list(compiled.keys)
        inputs = [{"id": f"i{i}", "name": k, "field": k} for i, k in enumerate(keys)]
        rows = []
        for rule in compiled.rules:
            for n, row in enumerate(_dnf(rule.predicate)):
                cells: dict[str, list[str]] = {}
                for _, key, op, value in row:
                    shown = ("true" if value else "false") if isinstance(value, bool) else json.dumps(value) if isinstance(value, str) else repr(value)
                    cells.setdefault(key, []).append(f"$ {op} {shown}")
                entry = {"_id": f"{rule.name}_{n}", "o": json.dumps(rule.name)}
                entry.update({f"i{i}": " and ".join(cells.get(k, [])) for i, k in enumerate(keys)})
                rows.append(entry)
        content = {
            "nodes": [
                {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
                {"id": "table", "type": "decisionTableNode", "name": "rules", "position": {"x": 0, "y": 0},
                 "content": {"hitPolicy": "collect", "inputs": inputs, "outputs": [{"id": "o", "name": "rule", "field": "rule"}],
                             "rules": rows}},
                {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}},
            ],
            "edges": [{"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
                      {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"}],
        }
        return zen.ZenEngine().create_decision(json.dumps(content))

    def run(self, built, facts):
        return frozenset(row["rule"] for row in built.evaluate(facts)["result"])


class Experta(_PerPathway):
    name = "experta 1.9.4"

    @staticmethod
    def available() -> bool:
        for name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Hashable", "Callable"):
            if not hasattr(collections, name):  # removed in 3.10; experta still imports them from here
                setattr(collections, name, getattr(collections.abc, name))
        try:
            import experta  # noqa: F401
        except ImportError:
            return False
        return True

    def _pattern(self, p):
        from experta import AND, OR, P, Fact, L

        if p[0] == "cmp":
            _, key, op, value = p
            tests: dict[str, Callable] = {"<": lambda x, v=value: x < v, "<=": lambda x, v=value: x <= v,
                                          ">": lambda x, v=value: x > v, ">=": lambda x, v=value: x >= v}
            if op == "==":
                return Fact(**{key: L(value)})
            if op == "!=":
                return Fact(**{key: ~L(value)})
            return Fact(**{key: P(tests[op])})
        parts = [self._pattern(q) for q in p[1]]
        if not parts:
            return Fact() if p[0] == "all" else Fact(never_present=L(True))
        if len(parts) == 1:
            return parts[0]
        return AND(*parts) if p[0] == "all" else OR(*parts)

    def build(self, compiled):
        from experta import KnowledgeEngine, Rule

        methods = {}
        for rule in compiled.rules:
            def fire(self, name=rule.name):
                self.fired.add(name)

            methods[rule.name] = Rule(self._pattern(rule.predicate))(fire)
        engine = type("Pathway", (KnowledgeEngine,), methods)()
        return engine

    def run(self, built, facts):
        from experta import Fact

        built.fired = set()
        built.reset()
        built.declare(Fact(**facts))
        built.run()
        return frozenset(built.fired)


class Named:
    """One of ivig-rules' own engines under its table name."""

    def __init__(self, engine, name: str) -> None:
        self._engine, self.name = engine, name

    def match(self, compiled, facts):
        return self._engine.match(compiled, facts)

    def close(self):
        self._engine.close()


# -- the run ------------------------------------------------------------------------------------


def fact_space(compiled: CompiledPathway, vocab, sample: int | None = None) -> Iterator[dict]:
    """The patients of the compiled model's space (pathway and screening rules), as engine facts,
    in enumeration order: every one, or ``sample`` of them evenly spaced. Each point is decoded
    from its index (the last axis turning fastest, as ``itertools.product``), so a space of
    millions is never held in memory."""
    space = axes_for_rules([r.rule for r in compiled.rules], vocab)
    names, values = list(space), [space[name] for name in space]
    size = math.prod(len(v) for v in values)
    step = size // sample if sample and size > sample else 1
    for index in range(0, size, step):
        digits = []
        for choices in reversed(values):
            index, digit = divmod(index, len(choices))
            digits.append(choices[digit])
        point = dict(zip(names, reversed(digits)))
        yield compiled.engine_facts(patient_from_engine_facts(point, compiled.pathway, vocab))


def check_agreement(matchers, compiled_list, vocab, sample: int | None) -> dict[str, int]:
    reference = ReferenceEngine()
    checked = {}
    for compiled in compiled_list:
        count = 0
        for facts in fact_space(compiled, vocab, sample):
            count += 1
            expected = reference.match(compiled, facts)
            for matcher in matchers:
                got = matcher.match(compiled, dict(facts))
                if got != expected:
                    raise SystemExit(
                        f"{matcher.name} disagrees with the reference on {compiled.pathway.id} {facts}: "
                        f"fired {sorted(got)}, expected {sorted(expected)}"
                    )
        checked[compiled.pathway.id] = count
    return checked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved passes over the patients")
    parser.add_argument("--block", type=int, default=100, help="patients a matcher takes in a row before the next one's turn")
    parser.add_argument("--check-sample", type=int, default=0, help="check agreement on a sample of this many points a pathway (0: all)")
    parser.add_argument("--no-experta", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1,000 patients, one round, a 2,000-point sample of each space")
    parser.add_argument("--clock", choices=CLOCKS, default="cpu", help="cpu: this thread's CPU time (default; load-proof); wall")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.patients, args.rounds, args.check_sample = 1000, 1, 2000

    keep_sessions_on_heap()
    catalogue = load_catalogue(ROOT / "rulesets")
    vocab = catalogue.vocabulary
    compiled_list = [compile_pathway(catalogue.pathway_for(d), catalogue.screening) for d in PATHWAYS]
    domains: dict[str, tuple] = {}
    for compiled in compiled_list:
        for name, values in axes_for_rules([r.rule for r in compiled.rules], vocab).items():
            key = "tx_" + name[len("treatments."):] if name.startswith("treatments.") else name
            spec = vocab.rule_facts()[name]
            if spec.type == "boolean":  # true/false, and 'unknown' where the vocabulary allows it (not recorded)
                domains[key] = (False, True, UNKNOWN) if spec.allows_unknown else (False, True)
            else:
                domains[key] = spec.values if spec.type == "enum" else values

    matchers: list = [
        GeneratedPython(domains),
        Named(ReferenceEngine(), "ivig-rules reference"),
        Named(DurableEngine(), "ivig-rules durable (default)"),
        Named(DurableEngine(memo=False), "ivig-rules durable, every patient to durable-rules"),
        Clips(domains), BusinessRules(domains), Zen(domains), RuleEngine(domains),
    ]
    if not args.no_experta and Experta.available():
        matchers.append(Experta(domains))
    checked = check_agreement(matchers, compiled_list, vocab, args.check_sample or None)

    raw = [p for p in patients(vocab, list(PATHWAYS), args.patients, seed=1, bad_fraction=0.0)]
    valid = []
    for mapping in raw:  # keep the ones that validate (a generated patient is now and then implausible)
        try:
            valid.append(patient_from_mapping(mapping, vocab))
        except IvigRulesError:
            pass
    by_diagnosis = {c.pathway.diagnosis: c for c in compiled_list}
    engine_facts = [by_diagnosis[p.diagnosis].engine_facts(p) for p in valid]
    compiled_of = [by_diagnosis[p.diagnosis] for p in valid]
    evaluators = [Evaluator(catalogue, engine=m) for m in matchers]
    for evaluator in evaluators:  # warm-up: build every peer's rules, compile every pathway
        for patient in valid[:50]:
            evaluator.evaluate(patient)

    clock, overhead = call_clock(args.clock)
    match_times = [[] for _ in matchers]
    full_times = [[] for _ in matchers]
    order = list(range(len(matchers)))
    for _ in range(args.rounds):
        for block in range(0, len(valid), args.block):
            order = order[1:] + order[:1]
            for m in order:
                matcher, evaluator = matchers[m], evaluators[m]
                for i in range(block, min(block + args.block, len(valid))):
                    facts, compiled = engine_facts[i], compiled_of[i]
                    started = clock()
                    matcher.match(compiled, facts)
                    match_times[m].append(clock() - started - overhead)
                for i in range(block, min(block + args.block, len(valid))):
                    patient = valid[i]
                    started = clock()
                    evaluator.evaluate(patient)
                    full_times[m].append(clock() - started - overhead)

    rows = []
    for m, matcher in enumerate(matchers):
        rows.append({
            "matcher": matcher.name,
            "match_median_us": statistics.median(match_times[m]) / 1000,
            "match_p99_us": percentile(match_times[m], 0.99) / 1000,
            "full_median_us": statistics.median(full_times[m]) / 1000,
            "full_p99_us": percentile(full_times[m], 0.99) / 1000,
        })
    print(report(rows, checked, args))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "checked": checked}, indent=2) + "\n", encoding="utf-8")
    for matcher in matchers:
        matcher.close()
    return 0


def report(rows, checked, args) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    durable = next(r for r in rows if r["matcher"].startswith("ivig-rules durable"))
    lines = [
        f"peers: {', '.join(PATHWAYS)} with the safety screening; {args.patients:,} generated patients x {args.rounds} "
        f"interleaved rounds; {args.clock} clock; {os.cpu_count()} cores, load average {load:.1f}, Python {sys.version.split()[0]}",
        "every matcher fired exactly the reference's rules on "
        + " + ".join(f"{n:,} ({p})" for p, n in checked.items()) + f" = {sum(checked.values()):,} fact-space patients",
        "",
        "| matcher | match only, median | full evaluate, median | full / durable | full p99 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['matcher']} | {r['match_median_us']:.1f} us | {r['full_median_us']:.1f} us "
            f"| {r['full_median_us'] / durable['full_median_us']:.2f}x | {r['full_p99_us']:.0f} us |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
