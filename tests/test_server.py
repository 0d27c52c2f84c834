"""The real server over HTTP: REST, CDS Hooks 2.0, hostile requests, and every scenario through it.

One uvicorn process on a free loopback port for the module; httpx is the client.
"""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="pip install -e '.[test]'")

from ivig_rules.evaluation.evaluator import Evaluator  # noqa: E402
from ivig_rules.fhir.evaluate import mapping_for  # noqa: E402
from ivig_rules.fhir.write import bundle_from_facts  # noqa: E402
from ivig_rules.model.facts import is_treatment, therapy_of  # noqa: E402
from ivig_rules.scenarios.runner import load_scenarios  # noqa: E402
from ivig_rules.server.requests import hook_request  # noqa: E402

from server_process import running_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
JSON = {"Content-Type": "application/json"}
COMPARED = ("pathway", "ivig", "next_step", "step", "line", "with", "dose", "alerts", "rules_fired", "decided_by",
            "evidence", "citations")


@pytest.fixture(scope="module")
def server():
    with running_server() as (base, _):
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client


@pytest.fixture(scope="module")
def local():
    with Evaluator(ROOT / "rulesets") as evaluator:
        yield evaluator


@pytest.fixture(scope="module")
def scenarios(local):
    return load_scenarios([ROOT / "scenarios"], local.vocabulary, rulesets=ROOT / "rulesets")[1]


def facts_of(patient) -> dict:
    facts = {k: v for k, v in patient.facts.items() if not is_treatment(k)}
    facts["treatments"] = {therapy_of(k): v for k, v in patient.facts.items() if is_treatment(k)}
    return facts


def subset(rec: dict) -> dict:
    return {key: rec[key] for key in COMPARED}


# -- the CDS Hooks response structure (CDS Hooks 2.0, "CDS Service Response") ---------------


def check_card(card: dict) -> None:
    assert isinstance(card["uuid"], str) and card["uuid"]
    assert isinstance(card["summary"], str) and 0 < len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    assert isinstance(card["source"]["label"], str) and card["source"]["label"]
    assert card["source"]["url"].startswith("http")
    assert isinstance(card.get("detail", ""), str)
    for suggestion in card.get("suggestions", []):
        assert isinstance(suggestion["label"], str)
        for action in suggestion["actions"]:
            assert action["type"] in ("create", "update", "delete")
            assert isinstance(action["description"], str)
            if action["type"] != "delete":
                assert action["resource"]["resourceType"]
    if card.get("suggestions"):
        assert card["selectionBehavior"] in ("at-most-one", "any")
    assert set(card) <= {"uuid", "summary", "detail", "indicator", "source", "suggestions", "selectionBehavior",
                         "overrideReasons", "links"}


def test_health_and_openapi(server):
    assert server.get("/health").json()["pathways"] == 12
    spec = server.get("/openapi.json").json()
    for path in ("/evaluate", "/explain", "/pathways", "/pathways/{pathway_id}", "/cds-services"):
        assert path in spec["paths"]
    assert "<html" in server.get("/docs").text.lower()


def test_discovery(server, local):
    services = server.get("/cds-services").json()["services"]
    assert {s["hook"] for s in services} == {"order-sign", "order-select"}
    for service in services:
        assert set(service) >= {"hook", "id", "description", "prefetch"}
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert "http://loinc.org|29463-7" in service["prefetch"]["observations"]


def test_pathways_and_diagrams(server):
    listing = server.get("/pathways").json()["pathways"]
    assert len(listing) == 12
    detail = server.get("/pathways/gbs").json()
    assert detail["mermaid"].startswith(("flowchart", "graph", "%%"))
    assert "digraph" in detail["dot"]
    assert any("gbs.ivig_at_diagnosis" in e["rules"] for e in detail["graph"]["edges"])
    svg = server.get("/pathways/gbs/diagram.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert server.get("/pathways/gbs/diagram.mmd").text == detail["mermaid"]
    assert "Guillain" in server.get("/pathways/gbs/page").text
    missing = server.get("/pathways/gbss")
    assert missing.status_code == 404 and "Did you mean 'gbs'" in missing.json()["error"]["message"]


def test_diagrams_are_the_teaching_view_and_a_route_is_drawn_on_it(server, local):
    """The diagrams are the teaching view (the atlas's picture, boxes marked data-node); /route
    gives the route of the rules an /evaluate answer fired, as graph.route_on_view computes it."""
    from ivig_rules.graph import route_on_view, teaching_view

    catalogue = local.catalogue
    view = teaching_view(catalogue.pathway("gbs"), catalogue.screening, catalogue.vocabulary)
    svg = server.get("/pathways/gbs/diagram.svg").text
    assert svg.count("data-node=") == view.number_of_nodes() + len(view.graph["notes"])
    assert server.get("/pathways/gbs/diagram.dot").text.count(" -> ") >= view.number_of_edges()
    patient = {"diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55, "iga": "normal",
               "hypersensitivity_to_ig": True}
    fired = server.post("/evaluate", json=patient).json()["rules_fired"]
    route = server.get("/pathways/gbs/route", params=[("rule", r) for r in fired]).json()
    expected = route_on_view(view, fired)
    assert [(a["from"], a["to"]) for a in route["arrows"]] == list(expected.arrows)
    assert route["boxes"] == list(expected.boxes) and [n["note"] for n in route["notes"]] == list(expected.notes)
    assert route["arrows"][-1]["label"] == "no" and route["arrows"][-1]["where"].startswith("box 2 ->")
    assert server.get("/pathways/gbs/route").json()["arrows"] == []  # no rule fired: no route


@pytest.mark.parametrize("path, params, status, words", [
    ("/pathways/gbs/route", [("rule", "gbs.ivig_at_diagnosiss")], 422, "'rules_fired'). Did you mean 'gbs.ivig_at_diagnosis'"),
    ("/pathways/gbs/route", [("rule", "ms_relapse.ivig_third_line")], 422, "not a rule of pathway 'gbs'"),
    ("/pathways/gbs/route", [("rule", "gbs.responded")] * 501, 422, "at most 500 rules"),
    ("/pathways/gbss/route", [("rule", "gbs.responded")], 404, "Did you mean 'gbs'"),
])
def test_a_bad_route_request_is_refused_with_a_message(server, path, params, status, words):
    answer = server.get(path, params=params)
    assert answer.status_code == status
    assert words in answer.json()["error"]["message"]


def test_every_scenario_same_from_yaml_fhir_and_service(server, local, scenarios):
    mapping = mapping_for(local)
    assert len(scenarios) > 200
    for scenario in scenarios:
        expected = subset(local.evaluate(scenario.patient).to_dict())
        facts = facts_of(scenario.patient)
        by_facts = server.post("/evaluate", json=facts)
        assert by_facts.status_code == 200, (scenario.name, by_facts.text)
        assert subset(by_facts.json()) == expected, scenario.name
        bundle = bundle_from_facts(facts, mapping, local.vocabulary)
        by_fhir = server.post("/evaluate", json=bundle)
        assert by_fhir.status_code == 200, (scenario.name, by_fhir.text)
        assert subset(by_fhir.json()) == expected, scenario.name
        assert by_fhir.json()["input"]["format"] == "fhir"


def _one_per_pathway(scenarios, local):
    """A scenario for each pathway: one where IVIG has a dose when the pathway has such a scenario."""
    seen = {}
    for scenario in scenarios:
        rec = local.evaluate(scenario.patient)
        dosed = rec.ivig in ("recommended", "consider") and rec.dose is not None
        if rec.pathway not in seen or (dosed and seen[rec.pathway][1].dose is None):
            seen[rec.pathway] = (scenario, rec)
    return seen


def test_order_sign_per_pathway(server, local, scenarios):
    mapping = mapping_for(local)
    chosen = _one_per_pathway(scenarios, local)
    assert len(chosen) == 12
    for pathway, (scenario, rec) in chosen.items():
        bundle = bundle_from_facts(facts_of(scenario.patient), mapping, local.vocabulary)
        if rec.dose is None:
            response = server.post("/cds-services/ivig-order-sign", json=hook_request(bundle, dose_g=20))
            card = response.json()["cards"][0]
            check_card(card)
            assert local.vocabulary.verdicts[rec.ivig].label in card["summary"], scenario.name
            assert "suggestions" not in card
            continue
        # an order with the computed dose: a card, no suggestion
        right = server.post("/cds-services/ivig-order-sign", json=hook_request(bundle, dose_g=rec.dose.per_day_g))
        assert right.status_code == 200, right.text
        cards = right.json()["cards"]
        assert len(cards) == 1, scenario.name
        check_card(cards[0])
        assert "suggestions" not in cards[0]
        assert cards[0]["source"]["url"].endswith(f"/pathways/{pathway}/page")
        assert f"dosing weight {rec.dose.dosing_weight_kg:g} kg" in cards[0]["detail"]
        for alert in rec.alerts:
            assert alert.id in cards[0]["detail"]
        # an order at half the dose: a suggestion to update it to the computed dose
        wrong = server.post("/cds-services/ivig-order-sign", json=hook_request(bundle, dose_g=round(rec.dose.per_day_g / 2, 2)))
        card = wrong.json()["cards"][0]
        check_card(card)
        action = card["suggestions"][0]["actions"][0]
        assert action["type"] == "update"
        assert action["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == rec.dose.per_day_g
        assert card["indicator"] == "warning"


def test_contraindicated_is_critical(server, local):
    facts = {"id": "allergic", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55,
             "iga": "normal", "hypersensitivity_to_ig": True}
    bundle = bundle_from_facts(facts, mapping_for(local), local.vocabulary)
    card = server.post("/cds-services/ivig-order-sign", json=hook_request(bundle)).json()["cards"][0]
    check_card(card)
    assert card["indicator"] == "critical" and "Contraindicated" in card["summary"]


def test_missing_prefetch_names_the_facts_and_guesses_nothing(server, local):
    facts = {"id": "ms-1", "diagnosis": "ms_relapse", "age_years": 40, "sex": "male", "weight_kg": 80,
             "iga": "normal", "treatments": {"corticosteroids": "failed", "plasma_exchange": "failed"}}
    bundle = bundle_from_facts(facts, mapping_for(local), local.vocabulary)
    card = server.post("/cds-services/ivig-order-sign",
                       json=hook_request(bundle, omit=("medicationStatements", "procedures"))).json()["cards"][0]
    check_card(card)
    assert "not checked" in card["summary"]
    assert "treatments.corticosteroids" in card["detail"] and "treatments.plasma_exchange" in card["detail"]
    assert "Consider IVIG" not in card["detail"] and "suggestions" not in card


def test_a_finished_therapy_without_outcome_is_not_guessed(server, local):
    facts = {"id": "ms-2", "diagnosis": "ms_relapse", "age_years": 40, "sex": "male", "weight_kg": 80, "iga": "normal",
             "treatments": {"corticosteroids": "failed"}}
    bundle = bundle_from_facts(facts, mapping_for(local), local.vocabulary)
    for entry in bundle["entry"]:
        entry["resource"].pop("statusReason", None)
    response = server.post("/evaluate", json=bundle)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["kind"] == "incomplete record" and "treatments.corticosteroids" in error["not_recorded"]
    card = server.post("/cds-services/ivig-order-sign", json=hook_request(bundle)).json()["cards"][0]
    assert "not checked" in card["summary"] and "records no outcome" in card["detail"]


def test_order_select_and_non_ivig_orders(server, local):
    facts = {"id": "g1", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55}
    bundle = bundle_from_facts(facts, mapping_for(local), local.vocabulary)
    request = hook_request(bundle, hook="order-select")
    card = server.post("/cds-services/ivig-order-select", json=request).json()["cards"][0]
    check_card(card)
    assert "iga_unknown" in card["detail"]
    other = copy.deepcopy(hook_request(bundle))
    other["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] = {
        "coding": [{"system": "http://www.whocc.no/atc", "code": "N02BE01"}]}
    assert server.post("/cds-services/ivig-order-sign", json=other).json() == {"cards": []}


HOSTILE = [
    ("huge", lambda: b'{"diagnosis": "' + b"x" * (3 * 1024 * 1024) + b'"}', 413),
    ("deep", lambda: (b"[" * 5000) + (b"]" * 5000), 400),
    ("deep objects", lambda: json.dumps(json.loads('{"a":' * 60 + "1" + "}" * 60)).encode(), 400),
    ("not json", lambda: b"diagnosis: gbs", 400),
    ("a list", lambda: b"[1, 2, 3]", 400),
    ("empty", lambda: b"", 400),
    ("wrong types", lambda: json.dumps({"diagnosis": 5, "age_years": "old", "sex": "female"}).encode(), 422),
    ("one wrong type", lambda: json.dumps({"diagnosis": "gbs", "age_years": "old", "sex": "female"}).encode(), 422),
    ("nan", lambda: b'{"diagnosis": "gbs", "age_years": NaN, "sex": "female"}', 400),
]


@pytest.mark.parametrize("name,body,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_requests_refused_cleanly(server, name, body, status):
    response = server.post("/evaluate", content=body(), headers=JSON)
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert error["message"] and "Traceback" not in response.text
    paragraphs = error["message"].split("\n")  # one paragraph per problem, each naming where
    assert len(paragraphs) == len(error.get("problems") or [None])
    assert all(p.startswith("request") for p in paragraphs)
    assert server.get("/health").status_code == 200


def test_a_body_of_many_unknown_keys_gets_a_bounded_422_while_others_are_answered(server):
    body = json.dumps({f"k{i}": 0 for i in range(120_000)}, separators=(",", ":")).encode()
    assert len(body) < 2 * 1024 * 1024
    with httpx.Client(base_url=str(server.base_url), timeout=60) as other:
        with ThreadPoolExecutor(2) as pool:
            big = pool.submit(server.post, "/evaluate", content=body, headers=JSON)
            health = pool.submit(other.get, "/health")
            answer, alive = big.result(), health.result()
    assert alive.status_code == 200 and alive.json()["status"] == "ok"
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert len(error["problems"]) == 21  # 20 described, then a count of the rest
    assert "unknown fact 'k0'" in error["problems"][0]["message"]
    # 120,000 unknown keys and 3 required facts not given (diagnosis, age, sex), less the 20 shown
    assert error["problems"][-1]["message"].endswith(": 119983 more problems not shown; fix these first.")


DUPLICATE = b'{"diagnosis":"gbs","age_years":45,"sex":"female","weight_kg":55,"age_years" : 4}'


def test_a_key_given_twice_is_refused_not_overwritten(server):
    response = server.post("/evaluate", content=DUPLICATE, headers=JSON)
    assert response.status_code == 422, response.text[:300]
    error = response.json()["error"]
    assert error["key"] == "age_years" and "the key 'age_years' appears twice" in error["message"]
    assert server.post("/evaluate", content=DUPLICATE.replace(b',"age_years" : 4', b""), headers=JSON).status_code == 200


def test_a_hook_call_with_a_key_given_twice_is_refused(server, local):
    bundle = bundle_from_facts({"id": "x", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55},
                               mapping_for(local), local.vocabulary)
    good = json.dumps(hook_request(bundle))
    assert server.post("/cds-services/ivig-order-sign", content=good, headers=JSON).status_code == 200
    twice = good.replace('"hookInstance":', '"hookInstance": "other", "hookInstance":', 1)
    response = server.post("/cds-services/ivig-order-sign", content=twice, headers=JSON)
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"]["key"] == "hookInstance"
    assert "the key 'hookInstance' appears twice" in response.json()["error"]["message"]


def test_a_hook_call_naming_no_hook_gets_sentences(server, local):
    bundle = bundle_from_facts({"id": "x", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55},
                               mapping_for(local), local.vocabulary)
    request = hook_request(bundle)
    del request["hook"]
    message = server.post("/cds-services/ivig-order-sign", json=request).json()["error"]["message"]
    assert "None" not in message
    assert "the request names no hook; this service answers the order-sign hook. Did you mean 'order-sign'?" in message


def test_hostile_hook_calls(server, local):
    bundle = bundle_from_facts({"id": "x", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55},
                               mapping_for(local), local.vocabulary)
    good = hook_request(bundle)
    cases = []
    wrong_hook = copy.deepcopy(good)
    wrong_hook["hook"] = "patient-view"
    cases.append((wrong_hook, 400, "order-sign"))
    no_context = {k: v for k, v in good.items() if k != "context"}
    cases.append((no_context, 400, "context"))
    drafts_not_bundle = copy.deepcopy(good)
    drafts_not_bundle["context"]["draftOrders"] = {"resourceType": "Patient"}
    cases.append((drafts_not_bundle, 400, "Bundle"))
    bad_prefetch = copy.deepcopy(good)
    bad_prefetch["prefetch"]["conditions"] = "everything"
    cases.append((bad_prefetch, 400, "prefetch.conditions"))
    for body, status, words in cases:
        response = server.post("/cds-services/ivig-order-sign", json=body)
        assert response.status_code == status, response.text
        assert words in response.json()["error"]["message"]
    bad_type = copy.deepcopy(good)
    bad_type["prefetch"]["observations"]["entry"][0]["resource"]["valueQuantity"]["value"] = "fifty-five"
    card = server.post("/cds-services/ivig-order-sign", json=bad_type).json()["cards"][0]
    assert "could not be read" in card["summary"] and "valueQuantity.value" in card["detail"]
    assert server.post("/cds-services/nope", json=good).status_code == 404
    assert server.get("/health").status_code == 200


def test_cors_is_off_by_default(server):
    response = server.options("/evaluate", headers={"Origin": "https://sandbox.cds-hooks.org",
                                                    "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in server.get("/cds-services", headers={"Origin": "https://x.org"}).headers


def test_cors_when_asked_for():
    with running_server("--cors-origin", "https://sandbox.cds-hooks.org") as (base, _):
        response = httpx.get(f"{base}/cds-services", headers={"Origin": "https://sandbox.cds-hooks.org"})
        assert response.headers["access-control-allow-origin"] == "https://sandbox.cds-hooks.org"
