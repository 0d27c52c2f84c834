"""One regression test per hazard of durable-rules 2.0.28 that ivig_rules.engines.durable neutralises.

Each test drives the real durable-rules engine through ivig-rules and shows that the hazard
cannot reach a user: no crash, no thread, no leak, no silent wrong answer.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import ROOT, adult
from ivig_rules.logic.compiler import SENTINEL, compile_pathway, durable_definition
from ivig_rules.engines.durable import DurableEngine
from ivig_rules.engines.reference import ReferenceEngine
from ivig_rules.errors import EngineError, PatientError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.logic.fact_space import enumerate_patients, patient_from_engine_facts

MS_FAILED_BOTH = adult(diagnosis="ms_relapse", treatments={"corticosteroids": "failed", "plasma_exchange": "failed"})


def test_only_the_engine_module_imports_durable():
    """Global state stays in one place: no other module may import durable-rules."""
    offenders = []
    for path in (ROOT / "ivig_rules").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in names):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == ["ivig_rules/engines/durable.py"]


def test_two_engines_with_the_same_pathway_do_not_clash(catalogue):
    """durable.lang keeps one global registry where a name cannot be registered twice."""
    with Evaluator(catalogue, engine="durable") as first, Evaluator(catalogue, engine="durable") as second:
        a = first.evaluate(MS_FAILED_BOTH)
        b = second.evaluate(MS_FAILED_BOTH)
    assert a.ivig == b.ivig == "consider"  # MS relapse, IVMP and PLEX failed: IVIG third line


def test_a_changed_ruleset_with_the_same_name_is_not_silently_replaced(catalogue):
    """durable.lang replaces a ruleset of the same name silently; here each version keeps its own."""
    pathway = catalogue.pathway_for("ms_relapse")
    original = compile_pathway(pathway, catalogue.screening)
    # The same pathway id with its rule order reversed: a different ruleset under the same name.
    from dataclasses import replace

    reordered = compile_pathway(replace(pathway, rules=tuple(reversed(pathway.rules))), catalogue.screening)
    assert original.fingerprint != reordered.fingerprint
    facts = original.engine_facts(_patient(catalogue, MS_FAILED_BOTH))
    with DurableEngine(memo=False) as engine:
        first = engine.match(original, facts)
        second = engine.match(reordered, facts)
        again = engine.match(original, facts)
    names = {r.name: r.rule.id for r in original.rules}
    names_re = {r.name: r.rule.id for r in reordered.rules}
    assert {names[n] for n in first} == {names_re[n] for n in second} == {names[n] for n in again}
    assert first == again


def _patient(catalogue, facts):
    from ivig_rules.loading.patient import patient_from_mapping

    return patient_from_mapping(facts, catalogue.vocabulary)


def test_no_polling_threads_are_started(catalogue):
    """Every durable.engine.Host starts two endless polling threads; our host starts none."""
    before = threading.active_count()
    with Evaluator(catalogue, engine="durable") as evaluator:
        for _ in range(5):
            evaluator.evaluate(MS_FAILED_BOTH)
        during = threading.active_count()
    assert during == before


def test_a_patient_no_pathway_rule_matches_neither_crashes_nor_raises(catalogue):
    """delete_state of a session in which no action ran segfaults; a fact matching no rule raises.

    A condition that no patient meets leaves only the sentinel rule to fire; run it in a child
    process so that a segfault would show as a failed test rather than a dead test run.
    """
    code = f"""
import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})
from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.logic.compiler import compile_pathway
from ivig_rules.engines.durable import DurableEngine
from ivig_rules.model import AnyOf
from dataclasses import replace
cat = load_catalogue({str(ROOT / 'rulesets')!r})
p = cat.pathway_for('ms_relapse')
never = replace(p, rules=tuple(replace(r, when=AnyOf(())) for r in p.rules))
empty_screening = replace(cat.screening, rules=())
compiled = compile_pathway(never, empty_screening)
facts = {{k: 'not_tried' if k.startswith('tx_') else None for k in compiled.keys}}
with DurableEngine(memo=False) as e:
    for _ in range(3):
        print(sorted(e.match(compiled, facts)))
    print('held', e.held_facts())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]", "[]", "held 0"]


@pytest.mark.parametrize(
    "facts, key",
    [
        ({"weight_kg": float("inf")}, "weight_kg"),
        ({"weight_kg": float("nan")}, "weight_kg"),
        ({"age_years": 1e20}, "age_years"),
        ({"height_cm": -1e-300}, "height_cm"),
    ],
)
def test_non_finite_and_absurd_floats_are_refused_before_the_engine(evaluator, facts, key):
    """inf/nan and exponent-form floats make durable-rules fail with engine error codes."""
    with pytest.raises(PatientError) as caught:
        evaluator.evaluate(adult(diagnosis="cidp", **facts))
    assert caught.value.key == key


def _with_a_newborn_rule(catalogue):
    """The catalogue with a first CIDP rule on age, so that a number travels to the engine."""
    from dataclasses import replace

    from ivig_rules.model import Compare, Outcome, Rule

    pathway = catalogue.pathway_for("cidp")
    newborn = Rule(
        id="newborn", qualified_id="cidp.newborn", when=Compare("age_years", "<", 0.001),
        then=Outcome(ivig="not_indicated"), from_steps=("start",), citations=(),
    )
    return replace(catalogue, pathways={**catalogue.pathways, "cidp": replace(pathway, rules=(newborn, *pathway.rules))})


@pytest.mark.parametrize("age, newborn", [(0, True), (40, False)])
def test_whole_numbers_reach_the_engine_and_decide_as_the_reference_does(catalogue, age, newborn):
    with_age = _with_a_newborn_rule(catalogue)
    patient = _patient(catalogue, adult(diagnosis="cidp", age_years=age, weight_kg=3))
    with Evaluator(with_age, engine="durable") as durable, Evaluator(with_age, engine="reference") as reference:
        assert durable.compiled("cidp").engine_facts(patient)["age_years"] == age
        rec = durable.evaluate(patient)
        expected = reference.evaluate(patient)
    assert (rec.decided_by == "cidp.newborn") is newborn
    assert {**rec.to_dict(), "engine": "reference"} == expected.to_dict()


def test_tiny_floats_never_reach_the_engine_in_exponent_form(catalogue):
    """JSON writes 5e-05 for tiny floats, which durable-rules rejects (error 204).

    No shipped rule tests a number, so a number would never be sent; a rule on age is added
    here so that the tiny age really travels to durable-rules and decides.
    """
    with_age = _with_a_newborn_rule(catalogue)
    patient = _patient(catalogue, adult(diagnosis="cidp", age_years=0.00005, weight_kg=0.250005))
    with Evaluator(with_age, engine="durable") as durable, Evaluator(with_age, engine="reference") as reference:
        sent = durable.compiled("cidp").engine_facts(patient)
        assert sent["age_years"] == 0.0001 and "e-" not in json.dumps(sent)
        rec = durable.evaluate(patient)
        expected = reference.evaluate(patient)
    assert (rec.ivig, rec.decided_by) == ("not_indicated", "cidp.newborn")
    assert {**rec.to_dict(), "engine": "reference"} == expected.to_dict()


def test_huge_strings_are_refused_and_text_never_reaches_the_engine(catalogue):
    """Strings of ~16 MB crash durable-rules; ids are capped and never sent to the engine."""
    with pytest.raises(PatientError) as caught:
        _patient(catalogue, adult(diagnosis="cidp", id="x" * 16_000_000))
    assert caught.value.key == "id"
    patient = _patient(catalogue, adult(diagnosis="cidp", id="short label"))
    compiled = compile_pathway(catalogue.pathway_for("cidp"), catalogue.screening)
    assert "id" not in compiled.engine_facts(patient)


def test_facts_sent_to_the_engine_stay_far_below_250_properties(catalogue):
    """Facts with ~250+ properties fail in durable-rules; only the facts rules test are sent."""
    for pathway in catalogue.pathways.values():
        compiled = compile_pathway(pathway, catalogue.screening)
        assert len(compiled.keys) + 2 < 50, pathway.id  # + sid and seq


def test_unknown_properties_are_refused(evaluator):
    with pytest.raises(PatientError) as caught:
        evaluator.evaluate(adult(diagnosis="cidp", **{f"extra_{i}": i for i in range(300)}))
    assert caught.value.key.startswith("extra_")


def test_an_empty_batch_never_reaches_the_engine(catalogue):
    """An empty batch fails in durable-rules; ivig-rules asserts one fact at a time."""
    with Evaluator(catalogue, engine="durable") as evaluator:
        assert evaluator.evaluate_many([]) == []
        assert [r.ivig for r in evaluator.evaluate_many([MS_FAILED_BOTH, MS_FAILED_BOTH])] == ["consider"] * 2
    assert not hasattr(DurableEngine, "match_many")


@pytest.mark.parametrize(
    "facts, key",
    [
        ({"age_years": "80"}, "age_years"),
        ({"age_years": True}, "age_years"),
        ({"severe": "yes"}, "severe"),
        ({"severe": 1}, "severe"),
        ({"weight_kg": "70"}, "weight_kg"),
    ],
)
def test_silent_coercion_is_refused(evaluator, facts, key):
    """durable-rules matches "80" > 0 and true > 0; validation refuses wrong types first."""
    with pytest.raises(PatientError) as caught:
        evaluator.evaluate(adult(diagnosis="adem", **facts))
    assert caught.value.key == key


def test_missing_flags_are_defaulted_so_no_rule_is_silently_suppressed(catalogue):
    """A missing field silently suppresses a durable-rules rule; every tested fact has a value."""
    patient = _patient(catalogue, adult(diagnosis="adem"))
    for pathway in catalogue.pathways.values():
        facts = compile_pathway(pathway, catalogue.screening).engine_facts(patient)
        assert all(value is not None for value in facts.values()), pathway.id


def test_the_same_facts_twice_do_not_raise_message_observed(durable):
    """Duplicate facts raise MessageObservedException in durable-rules; each fact is unique here."""
    first = durable.evaluate(MS_FAILED_BOTH)
    second = durable.evaluate(MS_FAILED_BOTH)
    assert first == second


def test_one_session_per_ruleset_and_every_patient_retracted_after_use(catalogue):
    """Session ids are 32-bit hashes; two live sessions could join two patients' facts. One
    session per ruleset is kept, and each patient's fact leaves it once its rules are read."""
    with Evaluator(catalogue, engine="durable") as evaluator:
        results = []
        for status in ("failed", "not_tried", "failed"):
            rec = evaluator.evaluate(adult(diagnosis="ms_relapse", treatments={"corticosteroids": status, "plasma_exchange": status}))
            results.append(rec.ivig)
            assert evaluator.engine.held_facts() == 0
    assert results == ["consider", "not_yet", "consider"]


def test_negation_does_not_depend_on_rule_order(catalogue):
    """durable-rules' `none` depends on fact and rule order; the compiled rules never use it."""
    from dataclasses import replace

    for pathway in catalogue.pathways.values():
        compiled = compile_pathway(pathway, catalogue.screening)
        text = json.dumps(durable_definition(compiled.rules))
        assert '"none"' not in text and '"$not"' not in text
        reversed_ = compile_pathway(replace(pathway, rules=tuple(reversed(pathway.rules))), catalogue.screening)
        with DurableEngine(memo=False) as engine:
            for values in list(enumerate_patients(pathway, catalogue.vocabulary))[:200]:
                patient = patient_from_engine_facts(values, pathway, catalogue.vocabulary)
                forward = {compiled.by_name()[n].rule.qualified_id for n in engine.match(compiled, compiled.engine_facts(patient))}
                backward = {reversed_.by_name()[n].rule.qualified_id for n in engine.match(reversed_, reversed_.engine_facts(patient))}
                assert forward == backward


def test_actions_run_no_python_so_nothing_is_swallowed_or_abandoned():
    """durable.engine runs actions through Promise/Closure objects that swallow exceptions into
    the state and abandon an action after 10 s. ivig-rules never loads that machinery: a whole
    evaluation imports neither durable.engine nor durable.lang, only the C core."""
    code = f"""
import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})
from conftest import adult
from ivig_rules.evaluation.evaluator import Evaluator
with Evaluator({str(ROOT / 'rulesets')!r}, engine='durable') as ev:
    rec = ev.evaluate(adult(diagnosis='ms_relapse', treatments={{'corticosteroids': 'failed', 'plasma_exchange': 'failed'}}))
print(rec.ivig, 'durable_rules_engine' in sys.modules, 'durable.engine' in sys.modules, 'durable.lang' in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    verdict, core, engine, lang = done.stdout.split()
    assert verdict in ("recommended", "consider")
    assert (core, engine, lang) == ("True", "False", "False")


def test_sessions_are_freed_so_the_1025th_patient_is_fine(catalogue):
    """Sessions never deleted cost ~450 KB each and the 1025th raises MemoryError."""
    compiled = compile_pathway(catalogue.pathway_for("ms_relapse"), catalogue.screening)
    facts = compiled.engine_facts(_patient(catalogue, MS_FAILED_BOTH))
    with DurableEngine(memo=False) as engine:
        results = {engine.match(compiled, facts) for _ in range(1100)}
        assert engine.held_facts() == 0
    assert len(results) == 1


def test_a_failure_midway_never_leaves_a_patient_session_behind(catalogue, monkeypatch):
    """If reading the fired rules fails, the session (with this patient's facts) must not survive
    to be joined by the next patient's facts: the ruleset is dropped and rebuilt."""
    import ivig_rules.engines.durable as module

    compiled = compile_pathway(catalogue.pathway_for("ms_relapse"), catalogue.screening)
    failing = _patient(catalogue, MS_FAILED_BOTH)
    fresh = _patient(catalogue, adult(diagnosis="ms_relapse"))
    real_core = module._core

    deleted = []

    class Flaky:
        def __getattr__(self, name):
            return getattr(real_core, name)

        def complete_and_start_action(self, *args):
            raise real_core.error("injected failure")

        def delete_ruleset(self, handle):
            deleted.append(handle)
            return real_core.delete_ruleset(handle)

    with DurableEngine(memo=False) as engine:
        engine.match(compiled, compiled.engine_facts(fresh))
        [handle] = [loaded.handle for loaded in engine._rulesets.values()]
        monkeypatch.setattr(module, "_core", Flaky())
        with pytest.raises(Exception) as caught:
            engine.match(compiled, compiled.engine_facts(failing))
        assert "injected failure" in str(caught.value)
        assert deleted == [handle]  # the ruleset holding the failed session is freed, session and all
        monkeypatch.setattr(module, "_core", real_core)
        assert engine.held_facts() == 0
        after = engine.match(compiled, compiled.engine_facts(fresh))
    assert after == ReferenceEngine().match(compiled, compiled.engine_facts(fresh))


def test_the_fact_count_sees_facts_left_behind(catalogue, monkeypatch):
    """The tests above trust held_facts() == 0; it must count a patient's fact that was not retracted."""
    import ivig_rules.engines.durable as module

    real_core = module._core

    class Forgetful:
        def __getattr__(self, name):
            return getattr(real_core, name)

        def retract_fact(self, *args):
            return (0, 0)

    with DurableEngine(memo=False) as engine:
        monkeypatch.setattr(module, "_core", Forgetful())
        for diagnosis in ("ms_relapse", "gbs"):
            compiled = compile_pathway(catalogue.pathway_for(diagnosis), catalogue.screening)
            engine.match(compiled, compiled.engine_facts(_patient(catalogue, adult(diagnosis=diagnosis))))
        monkeypatch.setattr(module, "_core", real_core)
        assert engine.held_facts() == 2


def test_a_closed_engine_refuses_to_match_rather_than_answer(catalogue):
    compiled = compile_pathway(catalogue.pathway_for("gbs"), catalogue.screening)
    facts = compiled.engine_facts(_patient(catalogue, adult(diagnosis="gbs")))
    engine = DurableEngine(memo=False)
    engine.close()
    with pytest.raises(EngineError, match="this engine has been closed"):
        engine.match(compiled, facts)


def test_an_unknown_engine_name_is_refused_with_the_names_and_a_guess():
    from ivig_rules.engines import make_engine
    from ivig_rules.errors import InputError

    with pytest.raises(InputError) as caught:
        make_engine("durabel")
    assert "unknown engine 'durabel'; engines are: durable, reference." in str(caught.value)
    assert caught.value.suggestion == "durable"


def test_a_fact_refused_as_already_observed_is_asserted_again_under_the_next_id(catalogue, monkeypatch):
    """The core keeps facts under a 32-bit hash of their id: an id that collides with the session's
    own state fact is refused as 'observed' with nothing kept. The next id is used, once."""
    import ivig_rules.engines.durable as module

    compiled = compile_pathway(catalogue.pathway_for("ms_relapse"), catalogue.screening)
    facts = compiled.engine_facts(_patient(catalogue, MS_FAILED_BOTH))
    real_core = module._core
    refusals = []

    class Colliding:
        def __getattr__(self, name):
            return getattr(real_core, name)

        def assert_fact(self, handle, text):
            if len(refusals) < times:
                refusals.append(text)
                return (2, 0)
            return real_core.assert_fact(handle, text)

    with DurableEngine(memo=False) as engine:
        expected = engine.match(compiled, facts)
        monkeypatch.setattr(module, "_core", Colliding())
        times = 1
        assert engine.match(compiled, facts) == expected
        times = 3  # refused twice in a row: an error, never a guess
        with pytest.raises(EngineError, match="already observed"):
            engine.match(compiled, facts)
        monkeypatch.setattr(module, "_core", real_core)
        assert engine.held_facts() == 0
        assert engine.match(compiled, facts) == expected


@pytest.mark.parametrize("name", ["id", "sid", "seq"])
def test_a_fact_named_as_the_engines_own_properties_is_refused(catalogue, name):
    """sid, seq and id are written into every fact by the engine; a rule testing a fact of that name
    would read the engine's value, not the patient's."""
    from dataclasses import replace

    from ivig_rules.engines.durable import problems

    compiled = compile_pathway(catalogue.pathway_for("gbs"), catalogue.screening)
    clashing = replace(compiled, keys=tuple(sorted((*compiled.keys, name))))
    [problem] = problems(clashing)
    assert repr(name) in problem.message and "rename" in problem.message
    assert problems(compiled) == []


def test_a_patient_after_any_other_gets_the_answer_a_fresh_engine_gives(catalogue):
    """One session per ruleset is kept from patient to patient: nothing of one patient may reach the next."""
    patients = [
        _patient(catalogue, adult(diagnosis="ms_relapse", treatments={"corticosteroids": a, "plasma_exchange": b}))
        for a in ("failed", "not_tried", "ongoing") for b in ("failed", "not_tried")
    ]
    compiled = compile_pathway(catalogue.pathway_for("ms_relapse"), catalogue.screening)
    with DurableEngine(memo=False) as kept:
        for first in patients:
            for second in patients:
                kept.match(compiled, compiled.engine_facts(first))
                with DurableEngine(memo=False) as fresh:
                    assert kept.match(compiled, compiled.engine_facts(second)) == fresh.match(compiled, compiled.engine_facts(second))
        assert kept.held_facts() == 0


def test_rule_names_are_read_from_each_messages_head_and_anything_else_is_decoded():
    """Of each action message (which repeats the whole fact) only the head '{"r003":' is read; a
    head that is not a compiled rule's, or a long one that only starts like one, is decoded whole."""
    from ivig_rules.engines.durable import _heads, _rule_names

    names = frozenset({"r000", "r001", "r123", SENTINEL, "r1000", "r10000"})
    heads, width = _heads(names)
    fact = '{"m":{"age_years":40,"sid":"0","seq":1}}'
    assert _rule_names([f'{{"{n}":{fact}}}' for n in names], heads, width) == names
    assert _rule_names(['{"sentinelle":{"m":1}}', '{ "r001" :{"m":1}}', '{"r999":{"m":1}}'], heads, width) == {
        "sentinelle", "r001", "r999"}  # decoded: not read as the sentinel, an odd layout, an unknown rule
    with pytest.raises(ValueError):
        _rule_names(['{"r00'], heads, width)  # cut short: neither read nor decodable


def test_a_pathway_whose_ruleset_was_dropped_never_reaches_another_rulesets_handle(catalogue, monkeypatch):
    """durable-rules gives a freed ruleset's handle number to the next ruleset it creates; a
    pathway remembered by the engine must get a ruleset of its own again, not that handle."""
    import ivig_rules.engines.durable as module

    ms = compile_pathway(catalogue.pathway_for("ms_relapse"), catalogue.screening)
    gbs = compile_pathway(catalogue.pathway_for("gbs"), catalogue.screening)
    ms_facts = ms.engine_facts(_patient(catalogue, MS_FAILED_BOTH))
    gbs_facts = gbs.engine_facts(_patient(catalogue, adult(diagnosis="gbs")))
    real_core = module._core

    class FailOnce:
        def __getattr__(self, name):
            return getattr(real_core, name)

        def complete_and_start_action(self, *args):
            raise real_core.error("injected failure")

    with DurableEngine(memo=False) as engine:
        expected = engine.match(ms, ms_facts)
        monkeypatch.setattr(module, "_core", FailOnce())
        with pytest.raises(EngineError):
            engine.match(ms, ms_facts)  # its ruleset is dropped
        monkeypatch.setattr(module, "_core", real_core)
        engine.match(gbs, gbs_facts)  # may be given the dropped ruleset's handle number
        assert engine.match(ms, ms_facts) == expected
        assert engine.held_facts() == 0


def test_the_fact_text_is_what_json_dumps_writes_for_every_kind_of_value(catalogue):
    """The fact text is written by a generated expression per pathway, not json.dumps; for every
    kind of value it must be json.dumps' text exactly (non-finite numbers still refused)."""
    import random

    compiled = compile_pathway(catalogue.pathway_for("cidp"), catalogue.screening)
    keys = compiled.keys
    rng = random.Random(4)
    values = [True, False, 0, 1, -1, 17, 10**14, 0.5, 72.25, 1e-4, "unknown", "not_tried", 'quote " and \\ back',
              "é", "\u2028", "", None]
    with DurableEngine(memo=False) as engine:
        loaded = engine._load(compiled)
        for round_ in range(400):
            facts = {key: rng.choice(values) for key in keys}
            engine._seq = round_
            expected = json.dumps({**facts, "sid": "0", "seq": round_, "id": round_}, separators=(",", ":"))
            assert engine._fact_text(loaded, facts) == expected
        engine._seq = 7  # a list (never a validated value) takes the general way: the same data
        facts = {key: [1, "a"] if i % 2 else {"n": True} for i, key in enumerate(keys)}
        assert json.loads(engine._fact_text(loaded, facts)) == {**facts, "sid": "0", "seq": 7, "id": 7}
        for bad in (float("nan"), float("inf")):
            with pytest.raises(ValueError):
                engine._fact_text(loaded, {key: bad for key in keys})
        with pytest.raises(EngineError, match="do not match"):
            engine._fact_text(loaded, {f"{key}_x": 1 for key in keys})
