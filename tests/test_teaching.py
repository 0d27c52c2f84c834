"""The teaching view: readable by measurement in Graphviz's own layout, every rule on it, its
wording from the rulesets, checked by the loader and by lint."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.cli.app import app
from ivig_rules.errors import IvigRulesError, SchemaError
from ivig_rules.export import export_bytes
from ivig_rules.export.measure import MAX_HEIGHT_PT, MAX_WIDTH_PT, edge_crossings, figures_of, layout_figures, visible_text
from ivig_rules.export.render import find_dot, run_dot
from ivig_rules.export.teaching_dot import dot_id, to_teaching_dot
from ivig_rules.export.teaching_mermaid import to_teaching_mermaid
from ivig_rules.graph import build_graph, rules_on_view, teaching_view, view_labels
from ivig_rules.lint import lint_paths
from ivig_rules.loading.rulesets import load_pathway
from ivig_rules.model.teaching import LABEL_LIMIT

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
FROZEN_MS = Path(__file__).resolve().parent / "fixtures" / "ms_relapse_frozen.yaml"
PATHWAY_IDS = sorted(p.stem for p in (RULESETS / "pathways").glob("*.yaml"))
CROSSINGS_ALLOWED = {"adem": 2}  # the issue allows ADEM two crossings; every other pathway none

runner = CliRunner()


@pytest.fixture(scope="module")
def dot_binary():
    try:
        return find_dot()
    except IvigRulesError as exc:
        pytest.fail(f"{exc} On CI: apt-get install -y graphviz", pytrace=False)


def cli_dot(pathway_id: str, *extra: str) -> str:
    result = runner.invoke(app, ["graph", pathway_id, "--format", "dot", "--rulesets", str(RULESETS), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


def layout(pathway_id: str) -> dict:
    return json.loads(run_dot(cli_dot(pathway_id), "json"))


# -- readable by measurement ------------------------------------------------------------------------


@pytest.mark.parametrize("pathway_id", PATHWAY_IDS)
def test_every_pathway_is_readable_in_graphviz_layout(pathway_id, dot_binary):
    """Measured in Graphviz's own layout of what `ivig-rules graph PATHWAY --format dot` prints."""
    figures = figures_of(layout(pathway_id))
    print(f"{pathway_id}: {figures.crossings} crossings, longest label {figures.longest_label} "
          f"({figures.longest_text!r}), {figures.width_pt:g} x {figures.height_pt:g} pt")
    assert figures.crossings <= CROSSINGS_ALLOWED.get(pathway_id, 0), figures
    assert figures.longest_label <= LABEL_LIMIT, figures
    assert figures.width_pt <= MAX_WIDTH_PT and figures.height_pt <= MAX_HEIGHT_PT, figures


def test_the_crossing_count_finds_crossings(dot_binary, catalogue):
    """The counter is not blind: pairs of drawn curves that cross count once each, touching or
    invisible ones do not, and the old rule-rendering diagram of the frozen MS relapse crossed."""

    def edge(*points, style=""):
        return {"style": style, "_draw_": [{"op": "b", "points": [list(p) for p in points]}]}

    straight = edge((0, 0), (1, 1), (2, 2), (3, 3))
    across = edge((0, 3.1), (1, 2.05), (2, 0.95), (3.05, 0))
    beside = edge((5, 0), (5, 1), (5, 2), (5, 3))
    touching = edge((3, 3), (4, 4), (5, 5), (6, 6))
    hidden = edge((0, 3.1), (1, 2.05), (2, 0.95), (3.05, 0), style="invis")
    assert edge_crossings({"edges": [straight, across]}) == 1
    assert edge_crossings({"edges": [straight, beside, touching]}) == 0
    assert edge_crossings({"edges": [straight, hidden]}) == 0
    assert edge_crossings({"edges": [straight, across, edge((0, 2.53), (1, 2.53), (2, 2.53), (3.1, 2.53))]}) == 3
    from ivig_rules.export.dot import to_dot

    old = layout_figures(to_dot(build_graph(load_pathway(FROZEN_MS, catalogue.vocabulary), catalogue.screening, catalogue.vocabulary)))
    assert old.crossings > 0 and old.longest_label > LABEL_LIMIT and old.width_pt > MAX_WIDTH_PT


def test_labels_are_measured_as_the_text_they_show():
    assert visible_text("Did IV\\nmethylprednisolone work?") == "Did IV methylprednisolone work?"
    assert visible_text("(1) Contraindicated:\\lhypersensitivity\\l") == "(1) Contraindicated: hypersensitivity"
    assert visible_text("<B>12</B> (1-6)") == "12 (1-6)"
    assert visible_text('<TABLE><TR><TD>a</TD><TD>b</TD></TR></TABLE>') == "a b"


# -- nothing dropped --------------------------------------------------------------------------------


@pytest.mark.parametrize("pathway_id", PATHWAY_IDS)
def test_every_rule_is_on_the_diagram_as_an_arrow_or_a_numbered_note(pathway_id, catalogue, dot_binary):
    """Read back from Graphviz's layout: each rule id sits on a drawn arrow or on a note whose text
    starts with its number; the screening's rules sit on the safety gate's notes."""
    pathway = catalogue.pathway(pathway_id)
    drawn = layout(pathway_id)
    arrows: set[str] = set()
    for item in drawn.get("edges", []):
        if "invis" not in str(item.get("style", "")):
            arrows.update(item.get("rules", "").split())
    notes: set[str] = set()
    for item in drawn.get("objects", []):
        if item.get("class") == "note" and item.get("rules"):
            assert re.match(r"^\(\d+\) ", visible_text(item["label"])), item["label"]
            notes.update(item["rules"].split())
    every = {r.id for r in pathway.rules}
    assert every <= arrows | notes, f"not on the diagram: {sorted(every - arrows - notes)}"
    assert {r.id for r in catalogue.screening.rules} <= notes | arrows
    placed_as_notes = {r for r, p in pathway.teaching.rules.items() if p.place == "note"}
    assert placed_as_notes <= notes and not (placed_as_notes & arrows)


def test_a_rule_with_no_place_fails_lint_and_still_shows_as_a_note(tmp_path, catalogue):
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    path = folder / "pathways" / "ms_relapse.yaml"
    text = path.read_text().replace("    ivig_course_under_way: {note: A course already started is completed.}\n", "")
    path.write_text(text)
    report = lint_paths([folder])
    missing = [f for f in report.findings if f.code == "teaching-missing"]
    assert [(f.severity, f.rules) for f in missing] == [("error", ("ivig_course_under_way",))]
    rule = next(r for r in catalogue.pathway("ms_relapse").rules if r.id == "ivig_course_under_way")
    assert missing[0].file.endswith("ms_relapse.yaml") and missing[0].line == rule.line
    assert report.exit_code() == 1
    pathway = load_pathway(path, catalogue.vocabulary)
    view = teaching_view(pathway, catalogue.screening, catalogue.vocabulary)
    assert "ivig_course_under_way" in rules_on_view(view)
    assert any(n["text"] == "Not yet placed: ivig_course_under_way." for n in view.graph["notes"] if "ivig_course_under_way" in n["rules"])


def test_the_shipped_rulesets_give_every_rule_its_place():
    report = lint_paths([RULESETS])
    assert [f for f in report.findings if f.code.startswith("teaching-")] == []


# -- the teaching wording and its checks -----------------------------------------------------------------


def _with_teaching(tmp_path, pathway: str, old: str, new: str) -> Path:
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    path = folder / "pathways" / f"{pathway}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("    steroids_first: {arrow: first line}", "    steroids_first: {arow: first line}", ["unknown key 'arow'", "Did you mean 'arrow'"]),
        ("    steroids_first: {arrow: first line}", "    steroids_first: {arrow: first line, note: both}", ["exactly one of"]),
        ("    ivmp: Did IV methylprednisolone work?", "    ivmp: " + "Did IV methylprednisolone work out well for the patient?", ["too long for a diagram", "keep it to 48"]),
        ("    ivig_course_under_way: {note: A course already started is completed.}",
         "    ivig_course_under_way: {note: A course already started is completed., end: Done}", ["a note ends nothing"]),
        ("  start: Acute MS relapse\n", "", ["the key 'start' is required"]),
    ],
)
def test_a_bad_teaching_block_fails_to_load_with_file_and_line(tmp_path, catalogue, old, new, message):
    folder = _with_teaching(tmp_path, "ms_relapse", old, new)
    with pytest.raises(SchemaError) as caught:
        load_pathway(folder / "pathways" / "ms_relapse.yaml", catalogue.vocabulary)
    text = str(caught.value)
    assert re.search(r"ms_relapse\.yaml:\d+", text), text
    for part in message:
        assert part in text
    result = runner.invoke(app, ["graph", "ms_relapse", "--rulesets", str(folder)])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    "old,new,code,words",
    [
        ("    steroids_first: {arrow: first line}", "    steroid_first: {arrow: first line}", "teaching-place", "Did you mean 'steroids_first'"),
        ("    steroids_worked: {arrow: responded, end: Relapse treated}", "    steroids_worked: {arrow: responded}", "teaching-place", "names no next step"),
        ("    steroids_first: {arrow: first line}", "    steroids_first: {arrow: first line, end: Done}", "teaching-place", "'end' names the state"),
        ("    ivig_course_under_way: {note: A course already started is completed.}",
         "    ivig_course_under_way: {arrow: course under way}", "teaching-place", "an arrow cannot show that"),
        ("    plex: Did plasma exchange work?\n", "", "teaching-question", "no question"),
        ("    contraindicated_ivmp: {exception: IVMP not yet given}",  # two outcomes of one arrow, joined: too long
         "    contraindicated_ivmp: {exception: IVIG contraindicated; IVMP still to give}", "teaching-label", "keep every label to 60"),
    ],
)
def test_lint_checks_that_the_teaching_block_fits_its_rules(tmp_path, old, new, code, words):
    folder = _with_teaching(tmp_path, "ms_relapse", old, new)
    report = lint_paths([folder])
    found = [f for f in report.findings if f.code == code]
    assert found and all(f.file.endswith("ms_relapse.yaml") and f.line for f in found), report.findings
    assert any(words in f.message or words in f"Did you mean '{f.suggestion}'" for f in found), found
    assert report.exit_code() == 1


def test_editing_a_rule_never_stops_the_rules_from_loading(tmp_path, catalogue):
    """A rule removed or given a new outcome leaves its teaching entry behind: the pathway still
    loads and evaluates, lint says what to fix, and the diagram keeps every remaining rule."""
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    path = folder / "pathways" / "gbs.yaml"
    text = path.read_text()
    start = text.index("  - id: plex_failed\n")
    then = re.compile(r"    then: \{[^}]*\}").search(text, start)
    path.write_text(text[:then.start()] + "    then: {ivig: consider, next_step: ivig}" + text[then.end():])
    pathway = load_pathway(folder / "pathways" / "gbs.yaml", catalogue.vocabulary)
    view = teaching_view(pathway, catalogue.screening, catalogue.vocabulary)
    assert {r.id for r in pathway.rules} <= set(rules_on_view(view))
    assert any(f.code == "teaching-place" and "plex_failed" in f.rules for f in lint_paths([folder]).findings)


# -- what the view says --------------------------------------------------------------------------------


def test_ms_relapse_reads_as_a_clinical_algorithm(catalogue):
    view = teaching_view(catalogue.pathway("ms_relapse"), catalogue.screening, catalogue.vocabulary)
    box = {n: d for n, d in view.nodes(data=True)}
    # the main path, top to bottom in order of lines of therapy
    assert box["start"]["number"] == 1 and box["start"]["kind"] == "state"
    assert box["step:ivmp"]["number"] < box["step:plex"]["number"] < box["gate:ivig"]["number"] < box["step:ivig"]["number"]
    assert box["decide:ivmp"]["lines"] == ["Did IV methylprednisolone work?"]
    # an IVIG box says the verdict with its evidence, and the dose in words
    assert box["step:ivig"]["lines"] == ["Consider IVIG: open-label evidence", "0.4 g/kg a day for 5 days"]
    # each arrow is an outcome of the step it leaves
    labels = {(s, t): d["label"] for s, t, d in view.edges(data=True)}
    assert labels[("decide:ivmp", "step:plex")] == "failed or could not be used"
    assert labels[("decide:ivmp", "end:step:ivmp:Relapse treated")] == "responded"
    # one gate in front of the IVIG box, its 'no' to the exceptions panel through a connector
    assert [s for s, _ in view.in_edges("step:ivig")] == ["gate:ivig"]
    stop = next(t for _, t, d in view.out_edges("gate:ivig", data=True) if d["label"] == "no")
    assert box[stop]["kind"] == "ref" and box[stop]["lines"] == [str(box["exceptions"]["number"])]
    # the exceptions sit in their own panel: no arrow joins the panels
    assert all(box[s]["panel"] == box[t]["panel"] for s, t in view.edges)
    assert box["exceptions"]["panel"] == "exceptions" and box["exceptions"]["lines"] == ["IVIG contraindicated, failed or not tolerated"]


def test_an_ivig_box_entered_with_different_verdicts_says_each_on_its_arrow(catalogue):
    view = teaching_view(catalogue.pathway("dermatomyositis"), catalogue.screening, catalogue.vocabulary)
    assert view.nodes["step:ivig_addon"]["lines"][0] == "IVIG: systematic review"
    into_gate = sorted(d["label"] for _, _, d in view.in_edges("gate:ivig_addon", data=True))
    assert into_gate == ["failed or not tolerated: give IVIG", "failed; none added yet: consider IVIG"]


def test_an_ivig_box_whose_routes_differ_in_evidence_has_a_note_per_level(catalogue):
    view = teaching_view(catalogue.pathway("ms_prevention"), catalogue.screening, catalogue.vocabulary)
    assert view.nodes["step:ivig_maintenance"]["lines"][0] == "Consider IVIG: evidence varies"
    texts = [n["text"] for n in view.graph["notes"] if n["anchors"][0] == "step:ivig_maintenance"]
    assert "Guideline: cannot be used." in texts and "Expert opinion: pregnant, nursing, postpartum." in texts


def test_without_the_screening_there_is_no_gate(catalogue):
    text = cli_dot("ms_relapse", "--no-screening")
    assert "gate:" not in text and "Safe to give IVIG?" not in text
    assert '"decide:plex" -> "step:ivig"' in text


@pytest.mark.parametrize("pathway_id", PATHWAY_IDS)
def test_no_label_of_the_view_passes_the_limit(pathway_id, catalogue):
    view = teaching_view(catalogue.pathway(pathway_id), catalogue.screening, catalogue.vocabulary)
    assert [(where, text) for where, text in view_labels(view) if len(text) > LABEL_LIMIT] == []


def test_teaching_exports_are_byte_identical(catalogue):
    again = load_catalogue(RULESETS)
    for pathway_id in PATHWAY_IDS:
        first = teaching_view(catalogue.pathway(pathway_id), catalogue.screening, catalogue.vocabulary)
        second = teaching_view(again.pathway(pathway_id), again.screening, again.vocabulary)
        for fmt in ("dot", "mermaid", "json", "markdown"):
            assert export_bytes(first, fmt) == export_bytes(second, fmt), (pathway_id, fmt)


@pytest.mark.parametrize("pathway_id", PATHWAY_IDS)
def test_mermaid_follows_the_teaching_view(pathway_id, catalogue):
    view = teaching_view(catalogue.pathway(pathway_id), catalogue.screening, catalogue.vocabulary)
    text = to_teaching_mermaid(view)
    assert text.count("\n  subgraph main[") == 1 and "flowchart TB" in text
    arrows = [line for line in text.splitlines() if re.match(r"^  n_\w+ (-->|-\.->)", line)]
    assert len(arrows) == view.number_of_edges()
    for node, data in view.nodes(data=True):
        if data.get("number"):
            assert f'"{data["number"]}' in text, node
    for note in view.graph["notes"]:
        assert f"({note['number']})" in text
    assert ("subgraph exceptions[" in text) == any(d["panel"] == "exceptions" for _, d in view.nodes(data=True))


def test_dot_ids_are_unique_and_safe():
    names = ["step:ivig", "step_ivig", "end:decide:x:No option named", "end:decide_x:No_option named", "note:1"]
    ids = [dot_id(n) for n in names]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"n_[A-Za-z0-9_]+", i) for i in ids)


def test_the_graph_command_draws_the_teaching_view():
    text = cli_dot("adem")
    assert text.startswith('digraph "adem"') and "rankdir=TB" in text
    assert "Meningoencephalitis, or" in text and "cluster_exceptions" in text and "cluster_notes" in text
    assert to_teaching_dot(teaching_view(*_adem())) == text


def _adem():
    catalogue = load_catalogue(RULESETS)
    return catalogue.pathway("adem"), catalogue.screening, catalogue.vocabulary


@pytest.mark.parametrize("pathway_id", ["ms_relapse", "adem"])
def test_the_images_in_the_docs_are_current(pathway_id, dot_binary, tmp_path):
    """docs/images/<pathway>.svg say what the rules say: the same texts, in the same order, as a
    fresh drawing (compared by text so that another Graphviz version's coordinates do not matter).
    After changing the pathway: ivig-rules graph PATHWAY -o docs/images/PATHWAY.svg"""
    import xml.etree.ElementTree as ET

    def texts(data: bytes) -> list[str]:
        return [t.text or "" for t in ET.fromstring(data).iter("{http://www.w3.org/2000/svg}text")]

    fresh = tmp_path / f"{pathway_id}.svg"
    result = runner.invoke(app, ["graph", pathway_id, "-o", str(fresh), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    committed = ROOT / "docs" / "images" / f"{pathway_id}.svg"
    assert texts(committed.read_bytes()) == texts(fresh.read_bytes()), f"run: ivig-rules graph {pathway_id} -o docs/images/{pathway_id}.svg"
    assert f"images/{pathway_id}.svg" in (ROOT / "docs" / "diagrams.md").read_text()


def test_the_gate_notes_follow_the_groups_the_safety_file_names(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    safety = folder / "safety.yaml"
    text = safety.read_text()
    text = re.sub(r"  groups:\n(    .*\n)*", "", text)  # the file's own groups, if any, give way to the test's
    safety.write_text(text.replace("  rules:\n    hypersensitivity:", "  groups:\n    Check first: [iga_not_measured, renal]\n  rules:\n    hypersensitivity:", 1))
    catalogue = load_catalogue(folder)
    view = teaching_view(catalogue.pathway("gbs"), catalogue.screening, catalogue.vocabulary)
    gate_notes = [n for n in view.graph["notes"] if n["anchors"][0].startswith("gate:")]
    phrases = catalogue.screening.teaching.rules
    assert gate_notes[0]["text"] == f"Check first: {phrases['iga_not_measured']}, {phrases['renal']}."
    assert gate_notes[0]["rules"] == ("iga_not_measured", "renal")
    assert {r.id for r in catalogue.screening.rules} == {r for n in gate_notes for r in n["rules"]}
    safety.write_text(text.replace("  rules:\n    hypersensitivity:", "  groups:\n    Check first: [renal, iga_not_measurd]\n  rules:\n    hypersensitivity:", 1))
    with pytest.raises(SchemaError, match=r"safety\.yaml:\d+.*Did you mean 'iga_not_measured'"):
        load_catalogue(folder)


def test_an_arrow_to_another_therapy_says_when_ivig_is_still_an_option(catalogue):
    """A rule that names another step but gives IVIG a verdict the screening applies to (IVIG is
    one of the options) says so on its arrow; other arrows to non-IVIG steps do not."""
    offered = set(catalogue.screening.applies_to)
    for pathway in catalogue.pathways.values():
        view = teaching_view(pathway, catalogue.screening, catalogue.vocabulary)
        rules = {r.id: r for r in pathway.rules}
        for source, target, data in view.edges(data=True):
            node = view.nodes[target]
            if node["kind"] != "action" or node.get("ivig") or not data.get("rules"):
                continue
            verdicts = {rules[r].then.ivig for r in data["rules"]}
            says = data["label"].endswith(("consider IVIG", "give IVIG"))
            assert says == (len(verdicts) == 1 and verdicts <= offered), (pathway.id, source, target, data["label"])
