"""The HTML atlas and the PDF handout, opened in a real headless Chromium (the system package,
driven by Playwright, which never downloads a browser), at 1280 x 800.

Chromium and Graphviz are test requirements: when missing these tests fail with the apt-get
command that installs them, rather than skipping. A screenshot of every page is kept as a test
artefact in out/test-artifacts/atlas/ (or $IVIG_RULES_ARTIFACTS), printed with ``pytest -s``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from typer.testing import CliRunner

from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.cli.app import app
from ivig_rules.errors import InputError, IvigRulesError
from ivig_rules.export.atlas import write_site
from ivig_rules.export.atlas_svg import standalone_svg
from ivig_rules.export.handout import find_chromium
from ivig_rules.export.render import find_dot
from ivig_rules.graph import teaching_view

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
FIXTURES = Path(__file__).resolve().parent / "graph_pathways"
ARTIFACTS = Path(os.environ.get("IVIG_RULES_ARTIFACTS", ROOT / "out" / "test-artifacts")) / "atlas"
VIEWPORT = {"width": 1280, "height": 800}
A4_LANDSCAPE_PT = (841.92, 595.0)
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
    try:
        return find_chromium()
    except IvigRulesError:
        pytest.fail("the atlas tests need Chromium; install it with: apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_dot()
    out = tmp_path_factory.mktemp("atlas")
    result = runner.invoke(app, ["export", "site", str(out), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\natlas screenshots in {ARTIFACTS}")
    return ARTIFACTS


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
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS, viewport=VIEWPORT
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
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))

    def guard(route):
        if route.request.url.startswith(("file://", "data:", "about:")):
            route.continue_()
        else:
            tab.outside.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    yield tab
    tab.close()


def assert_links_resolve(page, folder: Path):
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        assert not urlparse(href).scheme, f"external link {href!r}: the atlas must work offline"
        target, _, anchor = href.partition("#")
        if target:
            assert (folder / unquote(target)).is_file(), f"broken link {href!r}"
        if anchor and not target:
            assert page.evaluate("id => document.getElementById(id) !== null", anchor), f"no element with id {anchor!r}"
    for src in page.eval_on_selector_all("[src]", "els => els.map(e => e.getAttribute('src'))"):
        assert not urlparse(src).scheme and (folder / unquote(src)).is_file(), f"{src!r}: only files of the site itself"


def assert_no_sideways_scroll(page, name: str):
    size = page.evaluate("() => ({page: document.documentElement.scrollWidth, body: document.body.scrollWidth, viewport: window.innerWidth})")
    assert size["page"] <= size["viewport"] and size["body"] <= size["viewport"], f"{name} scrolls sideways: {size}"
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == [], f"{name}: elements past the right edge: {wide}"


def test_progress_line_per_page(site, catalogue):
    out, output = site
    assert output.count(" wrote ") == len(catalogue.pathways) + 2
    assert sorted(p.name for p in out.glob("*.svg")) == sorted(f"{p.id}.svg" for p in catalogue.pathways.values())
    total = len(catalogue.pathways) + 2
    assert f"[{total}/{total}] wrote {out / 'index.html'}" in output


def test_the_front_page_shows_every_pathway_as_a_thumbnail_with_its_summary(site, page, catalogue, artifacts):
    out, _ = site
    page.goto((out / "index.html").as_uri())
    cards = page.locator("li.card")
    assert cards.count() == len(catalogue.pathways)
    for pathway in catalogue.pathways.values():
        card = page.locator(f"li.card#{pathway.id}")
        assert card.locator("h3").inner_text() == pathway.title
        assert pathway.teaching.summary in card.inner_text()
        assert re.search(r"best evidence: \w", card.locator(".evidence").inner_text()), card.inner_text()
        thumbnail = card.locator("img")
        thumbnail.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=thumbnail.element_handle())
        assert thumbnail.get_attribute("src") == f"{pathway.id}.svg"
    assert page.locator("table").count() == 0, "the audit table moved to the review page"
    assert page.locator('a[href="review.html"]').count() == 1
    assert page.locator(".not-advice").is_visible()
    assert_links_resolve(page, out)
    assert_no_sideways_scroll(page, "index.html")
    page.screenshot(path=str(artifacts / "index.png"), full_page=True)
    assert page.outside == [] and page.errors == []


def test_the_review_page_holds_the_review_figures(site, page, catalogue, artifacts):
    out, _ = site
    page.goto((out / "review.html").as_uri())
    rows = page.locator("table.review tbody tr")
    assert rows.count() == len(catalogue.pathways)
    text = page.locator("table.review").inner_text()
    for pathway in catalogue.pathways.values():
        assert pathway.review_due.isoformat() in text and f"{len(pathway.rules)} of {len(pathway.rules)}" in text
    dates = page.eval_on_selector_all("table.review time", "els => els.map(e => e.getClientRects().length)")
    assert dates and set(dates) == {1}, "a date wraps mid-value"
    assert_links_resolve(page, out)
    assert_no_sideways_scroll(page, "review.html")
    page.screenshot(path=str(artifacts / "review.png"), full_page=True)
    assert page.outside == [] and page.errors == []


def test_every_pathway_page_shows_its_diagram_whole(site, page, catalogue, artifacts):
    out, _ = site
    for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
        page.goto((out / f"{pathway.id}.html").as_uri())
        assert page.title().startswith(pathway.title)
        svg = page.locator("figure.diagram svg")
        assert svg.count() == 1
        box = svg.bounding_box()
        frame = page.locator("figure.diagram").bounding_box()
        assert box["x"] >= frame["x"] - 0.5 and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, pathway.id
        assert box["width"] > 500, f"{pathway.id}: the diagram is not drawn ({box})"
        assert_no_sideways_scroll(page, f"{pathway.id}.html")
        assert page.locator("table.steps tbody tr").count() == len(pathway.steps)
        assert page.locator("table.rules tbody tr").count() == len(pathway.rules)
        assert page.locator("table.screening tbody tr").count() == len(catalogue.screening.rules)
        references = page.locator("ol.references li").all_inner_texts()
        for source in {c.source for r in pathway.rules for c in r.citations}:
            assert any(catalogue.vocabulary.sources[source].title in item for item in references), source
        assert page.locator(".not-advice").is_visible()
        assert_links_resolve(page, out)
        page.screenshot(path=str(artifacts / f"{pathway.id}.png"))
        page.locator("figure.diagram").screenshot(path=str(artifacts / f"{pathway.id}-diagram.png"))
        page.screenshot(path=str(artifacts / f"{pathway.id}-whole-page.png"), full_page=True)
    assert page.outside == [] and page.errors == []


def test_every_box_opens_its_details(site, page, catalogue, artifacts):
    """Click every box and note (each carries data-node): the panel #node-details opens with
    something to read, and Escape closes it."""
    out, _ = site
    for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
        view = teaching_view(pathway, catalogue.screening, catalogue.vocabulary)
        page.goto((out / f"{pathway.id}.html").as_uri())
        nodes = page.locator("figure.diagram [data-node]")
        expected = set(view.nodes) | {f"note:{n['number']}" for n in view.graph["notes"]}
        assert set(nodes.evaluate_all("els => els.map(e => e.getAttribute('data-node'))")) == expected
        panel = page.locator("#node-details")
        assert panel.is_hidden()
        for index in range(nodes.count()):
            node = nodes.nth(index)
            name = node.get_attribute("data-node")
            node.click()
            assert panel.is_visible(), f"{pathway.id}: {name} opened no panel"
            assert panel.get_attribute("data-showing") == name
            text = panel.locator(".details-body").inner_text().strip()
            assert len(text) > 20, f"{pathway.id}: {name}: empty details {text!r}"
            page.keyboard.press("Escape")
            assert panel.is_hidden()
        if pathway.id in ("ms_relapse", "adem"):
            page.locator('[data-node="step:ivig"]').click()
            page.screenshot(path=str(artifacts / f"{pathway.id}-details.png"))
            details = panel.inner_text()
            assert "Dose" in details and "g/kg" in details and "Evidence" in details
            assert ".txt" not in details, "citations are readable references, not file names"
            page.keyboard.press("Escape")
    assert page.outside == [] and page.errors == []


def test_a_box_opens_from_the_keyboard(site, page):
    out, _ = site
    page.goto((out / "ms_relapse.html").as_uri())
    page.locator('[data-node="gate:ivig"]').focus()
    page.keyboard.press("Enter")
    panel = page.locator("#node-details")
    assert panel.is_visible() and "IVIG safety screening" in panel.inner_text()
    page.locator("#node-details .close").click()
    assert panel.is_hidden()


def test_doses_appear_as_doses_never_as_ids(site, page, catalogue):
    out, _ = site
    for pathway in catalogue.pathways.values():
        page.goto((out / f"{pathway.id}.html").as_uri())
        codes = page.eval_on_selector_all("#steps code, #doses code", "els => els.map(e => e.textContent)")
        assert not set(codes) & set(pathway.doses), f"{pathway.id}: dose ids shown: {codes}"
        cells = page.eval_on_selector_all("table.steps tbody td:nth-child(4)", "els => els.map(e => e.textContent)")
        assert all(re.search(r"m?g/kg|no regimen", c) for c in cells), cells
        firsts = page.eval_on_selector_all("table.doses tbody td:first-child strong", "els => els.map(e => e.textContent)")
        assert len(firsts) == len(pathway.doses) and all("g/kg" in c for c in firsts), firsts
    page.goto((out / "adem.html").as_uri())
    steps = page.locator("table.steps").inner_text()
    assert "20-30 mg/kg a day for 3-5 days" in steps and "2 g/kg over 2-5 days" in steps
    doses = page.locator("table.doses").inner_text()
    assert "20 mg/kg" in doses and "20-30 mg/kg" in doses and "at most 1 g/day" in doses


def test_each_pathway_prints_on_one_a4_landscape_page(site, page, catalogue, artifacts):
    """The print stylesheet keeps the diagram and leaves out everything else (checked with the
    page laid out as print at A4 landscape, 96 dpi); the handout test prints the real PDF."""
    out, _ = site
    page.set_viewport_size({"width": 1123, "height": 794})
    try:
        for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
            page.goto((out / f"{pathway.id}.html").as_uri())
            page.emulate_media(media="print")
            height = page.evaluate("() => document.documentElement.scrollHeight")
            assert height <= 794, f"{pathway.id}: printed height {height} px is more than one A4 landscape page"
            assert page.locator("figure.diagram svg").is_visible() and page.locator("table.rules").is_hidden()
            assert page.locator(".print-only").is_visible()
            if pathway.id in ("ms_relapse", "adem"):
                page.screenshot(path=str(artifacts / f"{pathway.id}-print.png"))
            page.emulate_media(media="screen")
    finally:
        page.set_viewport_size(VIEWPORT)


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """Page sizes (width, height in points) of a PDF Chromium wrote (its page objects are plain)."""
    pages = re.findall(rb"/Type\s*/Page\b", data)
    boxes = [tuple(float(v) for v in m.split()[2:4]) for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)]
    return [boxes[0] if boxes else (0.0, 0.0)] * len(pages)


def test_the_handout_is_one_a4_landscape_page_per_pathway(tmp_path, catalogue):
    """Every pathway's handout, printed by Chromium: one A4 landscape page. The command is run for
    one pathway; the others go through the same library call, three at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from ivig_rules.export.handout import write_handout

    chromium_path()
    require_dot()
    result = runner.invoke(app, ["export", "handout", "ms_relapse", "-o", str(tmp_path / "ms_relapse.pdf"), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    assert "one A4 landscape page" in result.output
    others = sorted((p for p in catalogue.pathways.values() if p.id != "ms_relapse"), key=lambda p: p.id)
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda p: write_handout(catalogue, p, tmp_path / f"{p.id}.pdf"), others))
    for pathway in catalogue.pathways.values():
        data = (tmp_path / f"{pathway.id}.pdf").read_bytes()
        assert data.startswith(b"%PDF-")
        sizes = pdf_pages(data)
        assert len(sizes) == 1, f"{pathway.id}: {len(sizes)} pages"
        width, height = sizes[0]
        assert abs(width - A4_LANDSCAPE_PT[0]) < 2 and abs(height - A4_LANDSCAPE_PT[1]) < 2, sizes


def test_the_handout_says_clearly_when_chromium_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("IVIG_RULES_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = runner.invoke(app, ["export", "handout", "ms_relapse", "-o", str(tmp_path / "x.pdf"), "--rulesets", str(RULESETS)])
    assert result.exit_code == 3
    assert "apt-get install -y chromium" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    "args,code,words",
    [
        (["ms_relapse", "-o", "handout.txt"], 2, "name the output file FILE.pdf"),
        (["ms_relaps", "-o", "x.pdf"], 2, "Did you mean 'ms_relapse'?"),
    ],
)
def test_handout_input_errors(tmp_path, args, code, words):
    args = [a if not a.endswith((".txt", ".pdf")) else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["export", "handout", *args, "--rulesets", str(RULESETS)])
    assert result.exit_code == code and words in result.output


def test_standalone_diagrams_open_offline(site, page, catalogue):
    out, _ = site
    page.goto((out / "adem.html").as_uri())
    page.click("a.full-size")
    page.wait_for_load_state()
    assert page.url == (out / "adem.svg").as_uri()
    assert page.evaluate("() => document.documentElement.tagName") == "svg"
    assert "Notes" in page.evaluate("() => document.documentElement.textContent")
    document = b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg width="1pt"></svg>\n'
    assert standalone_svg(document) == '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<svg width="1pt"></svg>\n'
    assert page.outside == []


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
    for index in range(page.locator("[data-node]").count()):
        page.locator("[data-node]").nth(index).click()
        assert page.locator("#node-details b, #node-details i").count() == 0
        page.keyboard.press("Escape")
    assert page.errors == []
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


def test_each_page_lists_its_answers_by_verdict(site, page, catalogue):
    """Every verdict the pathway gives has its list of situations (a verdict added to the
    vocabulary, such as one for the sources' silence, gets its own list with no change here)."""
    out, _ = site
    for pathway in catalogue.pathways.values():
        page.goto((out / f"{pathway.id}.html").as_uri())
        given = {r.then.ivig for r in pathway.rules if r.then.ivig}
        shown = set(page.eval_on_selector_all("#verdicts .verdict-group", "els => els.map(e => e.id.slice(8))"))
        assert shown == given, pathway.id
        for verdict in given:
            items = page.locator(f"#verdict-{verdict} li").count()
            assert items == sum(1 for r in pathway.rules if r.then.ivig == verdict)


def test_conflicts_and_readable_references_are_shown(site, page, catalogue):
    """Where the sources disagree, each side is shown with its references; references read as
    references (titles, authors, journals), never as the seed files' names."""
    out, _ = site
    raising = [r for r in catalogue.screening.rules if r.then.conflict]
    assert raising, "the screening raises no conflict to show"
    page.goto((out / "ms_relapse.html").as_uri())
    conflicts = page.locator("#safety .conflict")
    assert conflicts.count() == len(raising)
    for rule in raising:
        spec = catalogue.vocabulary.conflicts[rule.then.conflict]
        block = page.locator(f"#conflict-{spec.id}")
        assert spec.summary in block.inner_text()
        assert block.locator("li").count() == len(spec.positions)
    references = page.locator("ol.references").inner_text()
    assert ".txt" not in references and "ref. 1:" in references
    page.locator('[data-node="gate:ivig"]').click()
    panel = page.locator("#node-details").inner_text()
    assert "Sources disagree" in panel and ".txt" not in panel
    page.keyboard.press("Escape")
