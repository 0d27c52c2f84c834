"""Pathway graphs: structure on the real rulesets and on hand-made pathways, labels, checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ivig_rules.graph import (
    ENTRY,
    SCREENING,
    build_graph,
    condition_text,
    decision_node,
    graph_findings,
    loops,
    outcome_node,
    step_node,
    transitions,
)
from ivig_rules.model import STEP_START, AllOf, AnyOf, Compare, Not
from ivig_rules.loading.rulesets import load_pathway

FIXTURES = Path(__file__).resolve().parent / "graph_pathways"


def fixture_pathway(name, vocab):
    return load_pathway(FIXTURES / f"{name}.yaml", vocab)


def rule_edges(graph):
    return {(u, v): d for u, v, d in graph.edges(data=True) if d["kind"] == "rule"}


# -- the real MS relapse pathway ------------------------------------------------------------------


FROZEN_MS = Path(__file__).resolve().parent / "fixtures" / "ms_relapse_frozen.yaml"


@pytest.fixture
def ms(catalogue):
    """A frozen MS relapse pathway: structure tests must not break when the clinical file changes."""
    from ivig_rules.loading.rulesets import load_pathway

    return build_graph(load_pathway(FROZEN_MS, catalogue.vocabulary), catalogue.screening, catalogue.vocabulary)


def test_ms_relapse_nodes(ms, catalogue):
    pathway = catalogue.pathway("ms_relapse")
    assert ms.nodes[ENTRY]["kind"] == "entry"
    assert ms.nodes[ENTRY]["label"] == pathway.title
    for step in pathway.steps.values():
        data = ms.nodes[step_node(step.id)]
        assert data["kind"] == "step"
        assert data["therapy"] == step.therapy
        assert data["line_of_therapy"] == step.line_of_therapy
        assert data["label"] == step.label
        assert data["citations"] == tuple(sorted({str(c) for c in step.citations}))
    assert ms.nodes[step_node("ivig")]["dose_summary"] == "0.4 g/kg per day for 5 days"
    assert ms.nodes[step_node("ivmp")]["dose_summary"] is None
    outcomes = {n for n, d in ms.nodes(data=True) if d["kind"] == "outcome"}
    # the screening's verdicts: contraindicated, and specialist review where the sources disagree
    assert outcomes == {outcome_node("not_indicated"), outcome_node("contraindicated"), outcome_node("specialist_review")}
    assert ms.nodes[SCREENING]["kind"] == "screening"


def test_ms_relapse_edges_carry_rules_labels_and_verdicts(ms):
    edges = rule_edges(ms)
    to_plex = edges[(decision_node("ivmp"), step_node("plex"))]
    assert to_plex["rules"] == ("plasma_exchange_next",)
    assert to_plex["label"] == "corticosteroids failed / intolerant / contraindicated"
    assert to_plex["verdict"] == "not_yet"
    assert to_plex["citations"] == ("001_31bd74f6d628a3ef.txt",)
    assert "plasma exchange not tried / ongoing" in to_plex["conditions"][0]
    third = edges[(decision_node("plex"), step_node("ivig"))]
    assert third["rules"] == ("ivig_third_line",) and third["verdict"] == "recommended"
    assert third["label"] == "plasma exchange failed / intolerant / contraindicated"
    assert edges[(decision_node("ivmp"), outcome_node("not_indicated"))]["label"] == "corticosteroids responded"
    assert edges[(decision_node("start"), outcome_node("contraindicated"))]["label"] == "IVIG contraindicated"
    assert edges[(SCREENING, outcome_node("contraindicated"))]["rules"] == ("hypersensitivity",)
    # the position branches through its decision node
    assert ms.has_edge(step_node("ivmp"), decision_node("ivmp"))
    assert ms.edges[step_node("ivmp"), decision_node("ivmp")]["kind"] == "branch"


def test_adem_labels_name_what_tells_rules_apart(catalogue):
    graph = build_graph(catalogue.pathway("adem"), None, catalogue.vocabulary)
    edges = rule_edges(graph)
    assert "meningoencephalitis" in edges[(decision_node("start"), step_node("ivig_first"))]["label"]
    assert edges[(decision_node("ivig"), step_node("ivig_maintenance"))]["label"] == "IVIG responded, recurrent"
    assert SCREENING not in graph


@pytest.mark.parametrize("pathway_id", ["adem", "cidp", "gbs", "ms_relapse"])
def test_every_rule_is_drawn_from_every_position_it_applies_after(catalogue, pathway_id):
    pathway = catalogue.pathway(pathway_id)
    graph = build_graph(pathway, catalogue.screening, catalogue.vocabulary)
    drawn = [r for u, v, d in graph.edges(data=True) if u != SCREENING for r in d.get("rules", ())]
    drawn += [r for _, d in graph.nodes(data=True) for r in d.get("alert_rules", ())]
    for rule in pathway.rules:
        assert 1 <= drawn.count(rule.id) <= len(rule.from_steps), rule.id
        target = step_node(rule.then.next_step) if rule.then.next_step else outcome_node(rule.then.ivig)
        for position in rule.from_steps:
            origin = ENTRY if position == STEP_START else step_node(position)
            if not rule.then.next_step and not rule.then.ivig:
                continue  # an alert-only rule sits on its node
            direct = graph.has_edge(origin, target) and rule.id in graph.edges[origin, target]["rules"]
            via = [d for d in graph.successors(origin) if graph.nodes[d]["kind"] == "decision"
                   and graph.has_edge(d, target) and rule.id in graph.edges[d, target]["rules"]]
            assert direct or via, (rule.id, position)


def test_positions_with_the_same_rules_share_one_decision(catalogue):
    graph = build_graph(catalogue.pathway("adem"), None, catalogue.vocabulary)
    decisions = [n for n, d in graph.nodes(data=True) if d["kind"] == "decision"]
    shared = {n: set(graph.predecessors(n)) for n in decisions if len(list(graph.predecessors(n))) > 1}
    # IVIG responded / failed is decided once for the three first- and second-line ways of giving IVIG.
    assert {step_node("ivig"), step_node("ivig_first"), step_node("combination")} in shared.values()


def test_all_real_pathways_build(catalogue):
    for pathway in catalogue.pathways.values():
        graph = build_graph(pathway, catalogue.screening, catalogue.vocabulary)
        assert {n for n, d in graph.nodes(data=True) if d["kind"] == "step"} == {step_node(s) for s in pathway.steps}


def test_rules_with_different_verdicts_on_one_edge_are_marked_mixed(catalogue):
    graph = build_graph(catalogue.pathway("gbs"), None, catalogue.vocabulary)
    edge = graph.edges[decision_node("ivig"), step_node("ivig")]
    assert set(edge["rules"]) == {"course_under_way", "symptoms_returned"}
    assert edge["verdict"] == "mixed"
    assert edge["verdicts"] == ("recommended", "consider")


# -- labels from hand-made conditions -------------------------------------------------------------


def test_condition_wording(vocab):
    assert condition_text(Compare("treatments.plasma_exchange", "in", ("failed", "intolerant")), vocab) == "plasma exchange failed / intolerant"
    assert condition_text(Compare("treatments.ivig", "not_in", ("not_tried", "ongoing")), vocab) == "IVIG responded / failed / intolerant / contraindicated"
    assert condition_text(Compare("meningoencephalitis", "==", True), vocab) == "meningoencephalitis"
    assert condition_text(Compare("severe", "==", False), vocab) == "not severe"
    assert condition_text(Compare("age_years", "<", 18), vocab) == "age < 18 years"
    assert condition_text(Compare("iga", "!=", "normal"), vocab) == "IgA not normal"
    assert condition_text(Not(Compare("iga", "==", "normal")), vocab) == "IgA not normal"
    nested = AnyOf((Compare("severe", "==", True), AllOf((Compare("recurrent", "==", True), Compare("age_years", ">=", 2)))))
    assert condition_text(nested, vocab) == "severe or (recurrent, age ≥ 2 years)"
    assert condition_text(AllOf(()), vocab) == "always"
    # a `not` reads as the comparisons it negates, as the engines read it
    assert condition_text(Not(Compare("age_years", "<", 18)), vocab) == "age ≥ 18 years"
    assert condition_text(Not(AllOf((Compare("severe", "==", True), Compare("iga", "==", "normal")))), vocab) == (
        "not severe or IgA not normal"
    )


def test_labels_without_a_vocabulary_fall_back_to_readable_ids(vocab):
    pathway = fixture_pathway("labels", vocab)
    graph = build_graph(pathway)
    assert graph.nodes[step_node("steroids")]["therapy_label"] == "corticosteroids"
    assert rule_edges(graph)[(decision_node("start"), outcome_node("not_indicated"))]["label"] == "age years < 18"


def test_hand_made_pathway_structure(vocab):
    pathway = fixture_pathway("labels", vocab)
    graph = build_graph(pathway, None, vocab)
    edges = rule_edges(graph)
    merged = edges[(decision_node("start"), step_node("steroids"))]
    assert merged["rules"] == ("adult_first", "severe_adult", "adult_exhausted")
    assert merged["verdict"] == "not_yet"
    assert edges[(decision_node("steroids"), step_node("course"))]["label"] == "corticosteroids failed or (IgA not normal, corticosteroids intolerant)"
    assert graph.nodes[decision_node("start")]["facts"] == ("age_years", "treatments.corticosteroids", "severe")
    assert graph.nodes[step_node("course")]["alert_rules"] == ("course_alerts",)
    assert graph.nodes[step_node("course")]["dose_summary"] == "0.4 (0.4-2) g/kg per day for 5 days"
    assert graph.graph["pathway"] == "t_labels" and graph.graph["max_line"] == 2
    assert graph.nodes[outcome_node("not_indicated")]["line_of_therapy"] == 3


# -- graph checks ------------------------------------------------------------------------------------


def kinds(findings):
    return sorted((f.kind, f.node) for f in findings)


def test_unreachable_step_is_found(vocab):
    findings = graph_findings(fixture_pathway("unreachable", vocab), vocab)
    assert kinds(findings) == [("unreachable", step_node("orphan"))]
    assert findings[0].severity == "error" and "orphan" in findings[0].message


def test_loop_one_patient_can_follow_is_found(vocab):
    findings = graph_findings(fixture_pathway("cycle", vocab), vocab)
    assert kinds(findings) == [("cycle", step_node("plex"))]
    assert set(findings[0].rules) == {"to_plex", "back_to_steroids"}


def test_loop_no_patient_can_follow_is_not_reported(vocab):
    assert graph_findings(fixture_pathway("loop_impossible", vocab), vocab) == []


def test_dead_ends_are_found(vocab):
    findings = graph_findings(fixture_pathway("dead_end", vocab), vocab)
    assert kinds(findings) == [("dead_end", step_node("course")), ("dead_end", step_node("plex"))]
    by_node = {f.node: f for f in findings}
    assert by_node[step_node("course")].rules == ("keep_going",)
    assert "keep the patient on it" in by_node[step_node("course")].message
    assert all(f.severity == "warning" for f in findings)
    assert set(findings[0].to_dict()) == {"kind", "node", "message", "severity", "pathway", "rules"}


def test_real_pathways_have_no_loops(catalogue):
    for pathway in catalogue.pathways.values():
        assert [f for f in graph_findings(pathway, catalogue.vocabulary, catalogue.screening) if f.kind == "cycle"] == []


def test_staying_on_a_step_is_not_a_loop(catalogue):
    vocab = catalogue.vocabulary
    pathway = load_pathway(FROZEN_MS, vocab)
    graph = build_graph(pathway, catalogue.screening, vocab)
    ivig = step_node("ivig")
    # The self-loop is there: "course under way" keeps the patient on the IVIG step ...
    assert transitions(graph)[(ivig, ivig)] == ("ivig_course_under_way",)
    # ... and is not reported as a loop, even before asking whether one patient could follow it,
    assert loops(graph) == []
    # nor does it hide or replace any other finding on this pathway.
    assert graph_findings(pathway, vocab, catalogue.screening) == []


# -- lazy import ----------------------------------------------------------------------------------------


def test_cli_and_graph_package_do_not_import_networkx():
    code = "import sys, ivig_rules.cli.app, ivig_rules.graph, ivig_rules.export; print('networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_arrow_shared_by_rules_merges_their_labels(vocab):
    from ivig_rules.graph.build import merged_label
    from ivig_rules.logic.compiler import as_written
    from ivig_rules.model import Compare

    def part(fact, op, value):
        return as_written(Compare(fact, op, value))

    steroids = part("treatments.corticosteroids", "in", ("failed", "intolerant"))
    a = [part("treatments.ivig", "==", "contraindicated"), steroids]
    b = [part("treatments.ivig", "==", "not_tried"), steroids]
    assert merged_label([a, b], vocab) == "IVIG contraindicated / not tried, corticosteroids failed / intolerant"
    severe = part("severe", "==", True)
    assert merged_label([a, [severe, steroids]], vocab) == (
        "corticosteroids failed / intolerant, (IVIG contraindicated or severe)"
    )
    assert merged_label([a, [steroids]], vocab) == "corticosteroids failed / intolerant"
