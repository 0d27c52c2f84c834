"""The HTML atlas, opened in a real headless Chromium (system package, driven by Playwright).

Chromium and Graphviz are test requirements: when missing these tests fail with the apt-get
command that installs them, rather than skipping.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from typer.testing import CliRunner

from ivig_rules.catalogue import load_catalogue
from ivig_rules.cli.app import app
from ivig_rules.errors import InputError, IvigRulesError
from ivig_rules.export.atlas import write_site
from ivig_rules.export.atlas_svg import READABLE_PX, sized_for_page, standalone_svg
from ivig_rules.export.render import find_dot

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
FIXTURES = Path(__file__).resolve().parent / "graph_pathways"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

runner = CliRunner()


def require_dot() -> None:
    try:
        find_dot()
    except IvigRulesError as exc:
        pytest.fail(f"{exc} On CI: apt-get install -y graphviz", pytrace=False)


def chromium_path() -> str:
    for candidate in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail("the atlas tests need Chromium; install it with: apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_dot()
    out = tmp_path_factory.mktemp("atlas")
    result = runner.invoke(app, ["export", "site", str(out), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the atlas tests need Playwright: pip install -e '.[test]' (it drives the system Chromium; no browser download)", pytrace=False)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000}
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):
    """A tab that refuses, and records, every request that is not for a local file."""
    tab = browser.new_page()
    tab.outside = []

    def guard(route):
        if route.request.url.startswith(("file://", "data:", "about:")):
            route.continue_()
        else:
            tab.outside.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    yield tab
    tab.close()


def links(page):
    return page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")


def assert_links_resolve(page, folder: Path):
    for href in links(page):
        assert not urlparse(href).scheme, f"external link {href!r}: the atlas must work offline"
        target, _, anchor = href.partition("#")
        if target:
            assert (folder / unquote(target)).is_file(), f"broken link {href!r}"
        if anchor and not target:
            assert page.evaluate("id => document.getElementById(id) !== null", anchor), f"no element with id {anchor!r}"
    sources = page.eval_on_selector_all("[src]", "els => els.map(e => e.getAttribute('src'))")
    assert sources == [], "the atlas inlines everything; no src attributes"


def test_progress_line_per_page(site, catalogue):
    out, output = site
    assert output.count(" wrote ") == len(catalogue.pathways) + 1
    assert sorted(p.name for p in out.glob("*.svg")) == sorted(f"{p.id}.svg" for p in catalogue.pathways.values())
    assert f"[{len(catalogue.pathways) + 1}/{len(catalogue.pathways) + 1}] wrote {out / 'index.html'}" in output


def test_index_lists_every_pathway(site, page, catalogue):
    out, _ = site
    page.goto((out / "index.html").as_uri())
    assert page.locator("table.pathways tbody tr").count() == len(catalogue.pathways)
    titles = page.locator("table.pathways tbody tr td:first-child a").all_inner_texts()
    assert sorted(titles) == sorted(p.title for p in catalogue.pathways.values())
    assert page.locator(".not-advice").is_visible()
    assert_links_resolve(page, out)
    assert page.outside == []


def test_every_pathway_page_renders(site, page, catalogue, tmp_path_factory):
    out, _ = site
    shots = tmp_path_factory.mktemp("screenshots")
    for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
        page.goto((out / f"{pathway.id}.html").as_uri())
        assert page.title().startswith(pathway.title)
        svg = page.locator("figure.diagram svg")
        assert svg.count() == 1
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, f"{pathway.id}: diagram not drawn ({box})"
        svg_text = page.eval_on_selector("figure.diagram svg", "s => s.textContent")
        for step in pathway.steps.values():
            assert f"Line {step.line_of_therapy}" in svg_text
        assert "Legend" in svg_text
        assert page.locator("table.steps tbody tr").count() == len(pathway.steps)
        assert page.locator("table.rules tbody tr").count() == len(pathway.rules)
        assert page.locator("table.doses tbody tr").count() == len(pathway.doses)
        assert page.locator("table.alerts tbody tr").count() >= 1
        assert page.locator("table.screening tbody tr").count() == len(catalogue.screening.rules)
        rules_text = page.locator("table.rules").inner_text()
        for rule in pathway.rules:
            assert rule.id in rules_text
            if rule.evidence:
                assert catalogue.vocabulary.evidence_levels[rule.evidence].label in rules_text
        references = page.locator("ol.references li").all_inner_texts()
        cited = {c.source for r in pathway.rules for c in r.citations}
        for source in cited:
            assert any(catalogue.vocabulary.sources[source].title in item for item in references), source
        meta = page.locator("header .meta").inner_text()
        assert pathway.version in meta and pathway.review_due.isoformat() in meta
        assert page.locator(".not-advice").is_visible()
        assert_links_resolve(page, out)
        assert_diagram_is_readable_and_linked(page, pathway)
        if pathway.id in ("ms_relapse", "adem"):
            page.screenshot(path=str(shots / f"{pathway.id}.png"), full_page=True)
            page.locator("#diagram").screenshot(path=str(shots / f"{pathway.id}_diagram.png"))
    assert page.outside == []
    assert (shots / "ms_relapse.png").stat().st_size > 10_000
    print(f"atlas screenshots in {shots}")


def assert_diagram_is_readable_and_linked(page, pathway):
    """The inline diagram keeps its smallest text readable (scrolling sideways rather than
    shrinking), the page itself never scrolls sideways, and the full-size link names the SVG file."""
    size = page.evaluate(
        """() => {
            const svg = document.querySelector('figure.diagram svg');
            const box = svg.getBoundingClientRect();
            const fonts = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
            const scroller = document.querySelector('.diagram-scroll');
            return {width: box.width, viewBox: svg.viewBox.baseVal.width, smallest: Math.min(...fonts),
                    scroll: scroller.scrollWidth, client: scroller.clientWidth,
                    page: document.documentElement.scrollWidth, viewport: window.innerWidth};
        }"""
    )
    smallest_px = size["smallest"] * size["width"] / size["viewBox"]
    assert smallest_px >= READABLE_PX - 0.05, f"{pathway.id}: smallest diagram text {smallest_px:.1f} px ({size})"
    assert size["page"] <= size["viewport"], f"{pathway.id}: the page scrolls sideways ({size})"
    if size["width"] > size["client"] + 1:
        assert size["scroll"] >= size["width"], f"{pathway.id}: a wide diagram must scroll, not be cut ({size})"
    link = page.locator("a.full-size")
    assert link.count() == 1 and link.inner_text() == "Open the diagram full size"
    assert link.get_attribute("href") == f"{pathway.id}.svg"


def test_nav_links_line_up_with_the_content(site, page):
    out, _ = site
    page.goto((out / "adem.html").as_uri())
    heading = page.locator("h1").bounding_box()
    first = page.locator("nav.toc a").first.bounding_box()
    assert first["x"] >= heading["x"] - 1, f"section links start left of the content ({first} vs {heading})"


def test_standalone_diagrams_open_full_size_offline(site, page, catalogue):
    out, _ = site
    for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
        page.goto((out / f"{pathway.id}.html").as_uri())
        inline_text = page.eval_on_selector("figure.diagram svg", "s => s.textContent")
        page.click("a.full-size")
        page.wait_for_load_state()
        assert page.url == (out / f"{pathway.id}.svg").as_uri()
        root = page.evaluate(
            "() => ({tag: document.documentElement.tagName, text: document.documentElement.textContent,"
            " width: document.documentElement.getBoundingClientRect().width,"
            " natural: document.documentElement.width.baseVal.valueInSpecifiedUnits})"
        )
        assert root["tag"] == "svg", f"{pathway.id}.svg did not load as SVG"
        assert root["text"] == inline_text  # the same picture as on the page
        assert "Legend" in root["text"]
        assert abs(root["width"] - root["natural"] * 4 / 3) < 1  # drawn at Graphviz's full size (pt -> px)
        if pathway.id == "adem":
            page.screenshot(path=str(out.parent / "adem_standalone.png"))
    assert page.outside == []


def test_diagram_sizing_keeps_text_readable():
    element = '<svg width="1000pt" height="100pt" viewBox="0 0 1000 100"><text font-size="10.00">a</text><text font-size="9.00">b</text></svg>'
    sized = sized_for_page(element)
    assert sized.startswith('<svg style="width:100%;min-width:1112px;max-width:1334px;height:auto" width="1000pt"')
    assert sized.endswith(element[4:])
    tiny_text = '<svg width="60pt" height="10pt"><text font-size="6">a</text></svg>'
    assert "min-width:80px;max-width:80px" in sized_for_page(tiny_text)  # never above natural size
    assert sized_for_page('<svg width="100%"><text font-size="9">a</text></svg>') == '<svg width="100%"><text font-size="9">a</text></svg>'
    document = b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg width="1pt"></svg>\n'
    assert standalone_svg(document) == '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<svg width="1pt"></svg>\n'


def test_dose_ranges_and_defaults_are_shown(site, page):
    out, _ = site
    page.goto((out / "adem.html").as_uri())
    doses = page.locator("table.doses").inner_text()
    assert "20 mg/kg" in doses and "20-30 mg/kg" in doses  # methylprednisolone default and range
    assert "0.4 (0.4-2) g/kg" in doses or "0.4-2 g/kg" in doses  # maintenance IVIG range
    assert "at most 1 g/day" in doses


def test_text_from_rulesets_is_escaped(tmp_path, page, vocab):
    require_dot()
    rulesets = tmp_path / "rulesets"
    (rulesets / "pathways").mkdir(parents=True)
    for name in ("vocabulary.yaml", "sources.yaml", "safety.yaml"):
        shutil.copy(RULESETS / name, rulesets / name)
    shutil.copy(FIXTURES / "labels.yaml", rulesets / "pathways" / "labels.yaml")
    catalogue = load_catalogue(rulesets)
    write_site(catalogue, tmp_path / "site")
    html = (tmp_path / "site" / "t_labels.html").read_text(encoding="utf-8")
    assert "<b>labels</b>" not in html and "&lt;b&gt;labels&lt;/b&gt;" in html
    page.goto((tmp_path / "site" / "t_labels.html").as_uri())
    title = catalogue.pathway("t_labels").title
    assert page.locator("h1").inner_text() == title
    assert page.locator("h1 b").count() == 0
    assert page.locator("table.steps").inner_text().count('Steroids <i>"first"</i>') == 1
    assert_links_resolve(page, tmp_path / "site")


def test_site_without_graphviz_fails_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["export", "site", str(tmp_path / "site"), "--rulesets", str(RULESETS)])
    assert result.exit_code == 3
    assert "apt-get install -y graphviz" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_site_into_a_file_is_refused(tmp_path):
    require_dot()
    target = tmp_path / "taken"
    target.write_text("x")
    result = runner.invoke(app, ["export", "site", str(target), "--rulesets", str(RULESETS)])
    assert result.exit_code == 2
    assert "the output folder is a file" in result.output
    with pytest.raises(InputError, match="output folder is a file"):
        write_site(load_catalogue(RULESETS), target)
