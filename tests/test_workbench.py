"""The patient workbench in a real headless Chromium, against the real server process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="pip install -e '.[test]'")

from server_process import running_server  # noqa: E402
from test_atlas import CHROMIUM_FLAGS, chromium_path, require_dot  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def base():
    require_dot()
    with running_server() as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-workbench")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbench-screenshots")
    yield folder
    print(f"workbench screenshots in {folder}")


def _page(browser, base):
    tab = browser.new_page()
    outside = []

    def guard(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    tab.goto(f"{base}/workbench")
    return tab, outside


def test_form_offers_every_fact_and_status(browser, base):
    from ivig_rules.loading.catalogue import load_catalogue

    vocab = load_catalogue(ROOT / "rulesets").vocabulary
    tab, outside = _page(browser, base)
    for name, spec in vocab.facts.items():
        assert tab.locator(f"#fact-{name}").count() == 1, name
        if spec.type == "enum":
            options = tab.locator(f"#fact-{name} option").evaluate_all("els => els.map(e => e.value)")
            assert set(spec.values) <= set(options)
        if spec.type in ("enum", "boolean"):  # nothing chosen for the user, required or not
            first = tab.locator(f"#fact-{name} option").first
            assert first.get_attribute("value") == "", name
            assert tab.locator(f"#fact-{name}").input_value() == "", name
    for therapy in vocab.therapies:
        options = tab.locator(f"#tx-{therapy} option").evaluate_all("els => els.map(e => e.value)")
        assert set(vocab.statuses_for(therapy)) <= set(options)
        assert set(options) - {""} <= set(vocab.statuses_for(therapy)), therapy  # no 'unavailable' for IVIG
    assert outside == []
    tab.close()


def test_required_facts_left_empty_are_named_not_guessed(browser, base, shots):
    tab, _ = _page(browser, base)
    tab.select_option("#fact-diagnosis", "ms_relapse")
    tab.fill("#fact-age_years", "40")
    tab.fill("#fact-weight_kg", "100")
    tab.click("#submit")
    tab.wait_for_selector("#error-message", timeout=30000)
    message = tab.locator("#error-message").inner_text()
    assert "required fact not given: sex" in message
    assert tab.locator("#verdict").count() == 0
    tab.screenshot(path=str(shots / "workbench_required_missing.png"), full_page=True)
    tab.select_option("#fact-diagnosis", "")
    tab.click("#submit")
    tab.wait_for_selector("text=required facts not given: diagnosis, sex", timeout=30000)
    tab.close()


def test_scenario_patient_gives_verdict_and_highlighted_route(browser, base, shots):
    tab, outside = _page(browser, base)
    tab.select_option("#fact-diagnosis", "ms_relapse")
    tab.fill("#fact-age_years", "40")
    tab.select_option("#fact-sex", "male")
    tab.fill("#fact-weight_kg", "100")
    tab.fill("#fact-height_cm", "175")
    tab.select_option("#fact-iga", "normal")
    tab.select_option("#tx-corticosteroids", "failed")
    tab.select_option("#tx-plasma_exchange", "intolerant")
    tab.click("#submit")
    tab.wait_for_selector("body[data-done='1']", timeout=30000)
    assert tab.locator("#verdict").get_attribute("data-verdict") == "consider"
    assert "82.3 kg" in tab.locator("#dose").inner_text()
    assert tab.locator("#trace li[data-rule='ms_relapse.ivig_third_line']").count() == 1
    _check_route(tab, "ms_relapse", ["ms_relapse.ivig_third_line"])
    tab.screenshot(path=str(shots / "workbench_ms_relapse.png"), full_page=True)
    tab.locator("#diagram").screenshot(path=str(shots / "workbench_ms_relapse_diagram.png"))
    assert outside == []
    tab.close()


def test_without_a_weight_the_regimen_is_shown_and_the_grams_said_to_need_it(browser, base, shots):
    tab, outside = _page(browser, base)
    tab.select_option("#fact-diagnosis", "gbs")
    tab.fill("#fact-age_years", "40")
    tab.select_option("#fact-sex", "female")
    tab.click("#submit")
    tab.wait_for_selector("body[data-done='1']", timeout=30000)
    assert tab.locator("#dose").count() == 0
    words = tab.locator("#regimen").inner_text()
    assert "2 g/kg per course over 5 days" in words and "needs the body weight, which was not recorded" in words
    tab.screenshot(path=str(shots / "workbench_gbs_no_weight.png"), full_page=True)
    assert outside == []
    tab.close()


def _check_route(tab, pathway, deciding):
    """The diagram is the teaching diagram (boxes marked data-node, as in the atlas); the route
    the server computes for the fired rules is drawn on it, the rest dimmed; the deciding rules'
    arrows are on the route."""
    from ivig_rules.graph import route_on_view, teaching_view
    from ivig_rules.loading.catalogue import load_catalogue

    catalogue = load_catalogue(ROOT / "rulesets")
    view = teaching_view(catalogue.pathway(pathway), catalogue.screening, catalogue.vocabulary)
    fired = tab.locator("#route-rules [data-rule]").evaluate_all("els => els.map(e => e.dataset.rule)")
    assert set(deciding) <= set(fired)
    expected = route_on_view(view, fired)
    diagram = tab.locator("#diagram")
    assert diagram.locator("g.node[data-node]").count() == view.number_of_nodes() + len(view.graph["notes"])
    boxes = diagram.locator("g.node.route").evaluate_all("els => els.map(e => e.dataset.node)")
    way_boxes = {b for pair in expected.way_in for b in pair}
    assert sorted(boxes) == sorted({*expected.boxes, *way_boxes, *(f"note:{n}" for n in expected.notes)})
    arrows = diagram.locator("g.edge.route:not(.way-in)").evaluate_all("els => els.map(e => e.querySelector('title').textContent)")
    assert sorted(arrows) == sorted(f"{s}->{t}" for s, t in expected.arrows)
    way_in = diagram.locator("g.edge.way-in").evaluate_all("els => els.map(e => e.querySelector('title').textContent)")
    assert sorted(way_in) == sorted(f"{s}->{t}" for s, t in expected.way_in)
    for rule in deciding:
        place = next(p for p in expected.rules if p.rule == rule)
        assert {f"{s}->{t}" for s, t in place.arrows} <= set(arrows), rule
    dimmed = diagram.locator("g.edge:not(.route)").first.evaluate("e => getComputedStyle(e).opacity")
    assert float(dimmed) < 0.5 and float(diagram.locator("g.edge.route").first.evaluate("e => getComputedStyle(e).opacity")) == 1
    assert diagram.locator("[tabindex], [role='button']").count() == 0  # no panel opens here: no tab stops
    assert tab.locator("#route-arrows li[data-arrow]").count() == len(expected.arrows)
    assert tab.locator("#way-in li[data-arrow]").count() == len(expected.way_in)
    width = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]  # the diagram fits the page: no sideways scrolling


@pytest.mark.parametrize("pathway, facts, treatments, verdict, deciding", [
    ("gbs", {"hypersensitivity_to_ig": "true"}, {}, "contraindicated", ["safety.hypersensitivity"]),
    ("adem", {"recurrent": "true"}, {"corticosteroids": "failed"}, None, []),
])
def test_route_on_other_pathways(browser, base, shots, pathway, facts, treatments, verdict, deciding):
    tab, outside = _page(browser, base)
    tab.select_option("#fact-diagnosis", pathway)
    for name, value in {"age_years": "45", "weight_kg": "60", "height_cm": "165", **facts}.items():
        field = tab.locator(f"#fact-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    tab.select_option("#fact-sex", "female")
    tab.select_option("#fact-iga", "normal")
    for therapy, status in treatments.items():
        tab.select_option(f"#tx-{therapy}", status)
    tab.click("#submit")
    tab.wait_for_selector("body[data-done='1']", timeout=30000)
    if verdict:
        assert tab.locator("#verdict").get_attribute("data-verdict") == verdict
    _check_route(tab, pathway, deciding)
    tab.screenshot(path=str(shots / f"workbench_{pathway}.png"), full_page=True)
    tab.locator("#diagram").screenshot(path=str(shots / f"workbench_{pathway}_diagram.png"))
    assert outside == []
    tab.close()


def test_fhir_bundle_pasted_and_errors_shown(browser, base, shots):
    tab, _ = _page(browser, base)
    bundle = (ROOT / "scenarios" / "fhir" / "gbs_child_grams_order.json").read_text()
    tab.fill("#fhir-bundle", bundle)
    tab.click("#submit")
    tab.wait_for_selector("body[data-done='1']", timeout=30000)
    # kidney disease: the sources disagree, so specialist review, with the conflict shown
    assert tab.locator("#verdict").get_attribute("data-verdict") == "specialist_review"
    assert tab.locator("[data-conflict='renal_impairment']").count() == 1
    assert tab.locator("#alerts li[data-alert='renal_impairment']").count() == 1
    tab.screenshot(path=str(shots / "workbench_fhir_gbs.png"), full_page=True)
    tab.fill("#fhir-bundle", json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}))
    tab.click("#submit")
    tab.wait_for_selector("#error-message", timeout=30000)
    assert "Patient" in tab.locator("#error-message").inner_text()
    tab.close()


def test_pathway_page_shows_the_teaching_diagram(browser, base, shots):
    """Where CDS cards link: the pathway's page, with the atlas's teaching diagram, fitting the page."""
    tab, outside = _page(browser, base)
    tab.goto(f"{base}/pathways/ms_relapse/page")
    diagram = tab.locator("#diagram")
    assert diagram.locator("g.node[data-node='step:ivig']").count() == 1
    assert diagram.locator("[tabindex], [role='button']").count() == 0
    width = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    tab.screenshot(path=str(shots / "pathway_page_ms_relapse.png"), full_page=True)
    assert outside == []
    tab.close()
