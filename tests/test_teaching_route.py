"""A patient's route on a pathway's teaching view: the places of the rules that fired, the boxes
they join, the way into each decision and through the safety gate. The workbench draws it and the
coverage report counts it, so both rest on these checks."""

from __future__ import annotations

import random

import pytest

from ivig_rules.graph import rule_places, rules_on_view, route_on_view, teaching_view
from ivig_rules.loading.patient import patient_from_mapping

GBS = {"diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55, "height_cm": 165, "iga": "normal"}


@pytest.fixture(scope="module")
def gbs_view(catalogue):
    return teaching_view(catalogue.pathway("gbs"), catalogue.screening, catalogue.vocabulary)


def _fired(reference, **facts):
    recommendation = reference.evaluate(patient_from_mapping({**GBS, **facts}, reference.vocabulary))
    return recommendation, recommendation.rules_fired


def _kinds(view, route):
    return {view.nodes[b]["kind"] for b in route.boxes}


def test_at_diagnosis_the_route_passes_the_gate_into_the_ivig_box(reference, gbs_view):
    recommendation, fired = _fired(reference)
    assert recommendation.ivig == "recommended"
    route = route_on_view(gbs_view, fired)
    assert route.arrows == (("start", "gate:ivig"), ("gate:ivig", "step:ivig"))
    assert set(route.boxes) == {"start", "gate:ivig", "step:ivig"}
    assert ("gate:ivig", "ref:gate:ivig") not in route.arrows  # the "no" way was not taken
    premedicate = next(n["number"] for n in gbs_view.graph["notes"] if "premedicate" in n["rules"])
    contraindicated = next(n["number"] for n in gbs_view.graph["notes"] if "hypersensitivity" in n["rules"])
    assert premedicate in route.notes and contraindicated not in route.notes
    assert route.not_shown == ()


def test_a_contraindication_takes_the_gates_no_arrow(reference, gbs_view):
    recommendation, fired = _fired(reference, hypersensitivity_to_ig=True)
    assert recommendation.ivig == "contraindicated"
    route = route_on_view(gbs_view, fired)
    assert route.arrows == (("start", "gate:ivig"), ("gate:ivig", "ref:gate:ivig"))
    assert "step:ivig" not in route.boxes
    [place] = [p for p in route.rules if p.rule == "safety.hypersensitivity"]
    assert place.arrows == (("gate:ivig", "ref:gate:ivig"),)


def test_the_way_into_a_decision_comes_from_the_box_the_rule_leaves(reference, gbs_view):
    _, fired = _fired(reference, treatments={"plasma_exchange": "failed"})
    assert fired == ("gbs.plex_failed",)
    route = route_on_view(gbs_view, fired)
    [(decision, end)] = [a for a in route.arrows if a[0] != "step:plex"]
    assert ("step:plex", decision) in route.arrows and gbs_view.nodes[decision]["kind"] == "decision"
    assert gbs_view.nodes[end]["kind"] == "end" and "failed" in gbs_view.edges[decision, end]["label"]
    assert _kinds(gbs_view, route) == {"action", "decision", "end"}
    assert "gate:ivig" not in route.boxes  # a route that never reaches the gate does not pass it


def test_a_screening_rule_at_a_gate_the_route_never_entered_marks_only_its_note(gbs_view, catalogue):
    route = route_on_view(gbs_view, ["safety.hypersensitivity"])
    assert route.arrows == () and route.boxes == ()
    assert route.notes and route.rules[0].rule == "safety.hypersensitivity"


def test_the_route_does_not_depend_on_the_order_rules_fired_in(reference, gbs_view):
    _, fired = _fired(reference)
    shuffled = list(fired)
    random.Random(7).shuffle(shuffled)
    one, other = route_on_view(gbs_view, fired), route_on_view(gbs_view, shuffled)
    assert (one.boxes, one.arrows, one.notes) == (other.boxes, other.arrows, other.notes)


def test_a_rule_the_view_does_not_show_is_reported_not_dropped(gbs_view):
    route = route_on_view(gbs_view, ["gbs.ivig_at_diagnosis", "ms_relapse.ivig_third_line"])
    assert route.not_shown == ("ms_relapse.ivig_third_line",)
    assert [p.rule for p in route.rules] == ["gbs.ivig_at_diagnosis"]


def test_every_rule_of_every_pathway_has_a_place(catalogue):
    for pathway in catalogue.pathways.values():
        view = teaching_view(pathway, catalogue.screening, catalogue.vocabulary)
        places = rule_places(view)
        expected = {r.qualified_id for r in pathway.rules if r.id in rules_on_view(view)}
        expected |= {r.qualified_id for r in catalogue.screening.rules}
        assert expected <= set(places), (pathway.id, sorted(expected - set(places)))
        assert all(p.arrows or p.notes for p in places.values())


def test_the_way_in_runs_from_the_start_box_down_to_where_the_route_begins(catalogue):
    """MS relapse, IVIG third line: the deciding rule leaves the plasma-exchange decision; the way
    there is the start box, IV methylprednisolone and its decision, kept apart from the route."""
    view = teaching_view(catalogue.pathway("ms_relapse"), catalogue.screening, catalogue.vocabulary)
    route = route_on_view(view, ["ms_relapse.ivig_third_line"])
    assert route.way_in == (("start", "step:ivmp"), ("step:ivmp", "decide:ivmp"), ("decide:ivmp", "step:plex"))
    assert route.arrows[0] == ("step:plex", "decide:plex")
    assert not set(route.way_in) & set(route.arrows)
    assert route_on_view(view, ["ms_relapse.ivig_third_line"]).way_in == route.way_in  # deterministic


def test_a_route_that_begins_at_the_start_box_has_no_way_in(gbs_view):
    assert route_on_view(gbs_view, ["gbs.ivig_at_diagnosis"]).way_in == ()
