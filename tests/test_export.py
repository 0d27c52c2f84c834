"""Exports: DOT, Mermaid, Markdown, JSON text and SVG/PNG through Graphviz, via the API and the CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.cli.app import app
from ivig_rules.errors import IvigRulesError
from ivig_rules.export import FORMATS, export_bytes
from ivig_rules.export.dot import to_dot, write_dot
from ivig_rules.export.json_graph import to_json
from ivig_rules.export.mermaid import mermaid_escape, to_markdown, to_mermaid
from ivig_rules.export.render import find_dot
from ivig_rules.graph import build_graph
from ivig_rules.loading.rulesets import load_pathway

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
MS_DOC = ROOT / "docs" / "ms_relapse.md"
FIXTURES = Path(__file__).resolve().parent / "graph_pathways"
FROZEN_MS = Path(__file__).resolve().parent / "fixtures" / "ms_relapse_frozen.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"

runner = CliRunner()


@pytest.fixture(scope="module")
def dot_binary():
    """Graphviz is a test requirement: fail (not skip) with the command that installs it."""
    try:
        return find_dot()
    except IvigRulesError as exc:
        pytest.fail(f"{exc} On CI: apt-get install -y graphviz", pytrace=False)


def graphs(catalogue):
    for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
        yield pathway, build_graph(pathway, catalogue.screening, catalogue.vocabulary)


def reversed_copy(graph):
    """The same graph with nodes and edges inserted in the opposite order."""
    import networkx as nx

    copy = nx.DiGraph(**graph.graph)
    for node in reversed(list(graph.nodes)):
        copy.add_node(node, **graph.nodes[node])
    for u, v, data in reversed(list(graph.edges(data=True))):
        copy.add_edge(u, v, **data)
    return copy


# -- determinism ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("to_text", [to_dot, to_mermaid, to_json, to_markdown])
def test_text_exports_are_byte_identical(to_text):
    first = {p.id: to_text(g) for p, g in graphs(load_catalogue(RULESETS))}
    second = {p.id: to_text(g) for p, g in graphs(load_catalogue(RULESETS))}
    assert first == second
    cat = load_catalogue(RULESETS)
    for pathway, graph in graphs(cat):
        assert to_text(reversed_copy(graph)) == first[pathway.id], pathway.id


# -- DOT ---------------------------------------------------------------------------------------------------


def test_dot_has_ranks_shapes_colours_and_legend(catalogue):
    text = to_dot(build_graph(load_pathway(FROZEN_MS, catalogue.vocabulary), catalogue.screening, catalogue.vocabulary))
    assert text.startswith('digraph "ms_relapse" {') and text.endswith("}\n")
    assert "rankdir=LR" in text
    assert '{ rank=same; "step_ivmp"; }' in text and '{ rank=same; "step_ivig"; }' in text
    assert re.search(r'"decide_ivmp" \[[^\]]*shape=diamond', text)
    assert re.search(r'"outcome_contraindicated" \[[^\]]*shape=octagon[^\]]*color="#b2182b"', text)
    assert re.search(r'"decide_plex" -> "step_ivig" \[color="#1b7837"[^\]]*label="plasma exchange failed', text)
    assert "cluster_legend" in text
    assert "not medical advice" in text


def test_dot_escapes_quotes_and_backslashes(vocab, tmp_path):
    graph = build_graph(load_pathway(FIXTURES / "labels.yaml", vocab), None, vocab)
    text = to_dot(graph)
    assert r'Steroids <i>\"first\"</i>' in text
    write_dot(graph, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == text


def test_dot_renders_hand_made_labels(vocab, dot_binary):
    graph = build_graph(load_pathway(FIXTURES / "labels.yaml", vocab), None, vocab)
    svg = export_bytes(graph, "svg")
    texts = "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG_NS}text"))
    assert 'Steroids <i>"first"</i>' in texts


# -- Mermaid -----------------------------------------------------------------------------------------------

NODE_DEF = re.compile(r'^\s+(n_\w+)(\(\[|\{\{|\[/|\(|\{|\[)"(.*)"(\]\)|\}\}|/\]|\)|\}|\]):::(\w+)$')
EDGE_DEF = re.compile(r'^\s+(n_\w+) (-->|-\.->)(?:\|"(.*)"\|)? (n_\w+)$')


def parse_mermaid(text):
    nodes, edges, styles, classes = {}, [], [], set()
    lines = text.splitlines()
    body = [line for line in lines if not line.startswith("%%")]
    assert body[0] == "flowchart LR"
    for line in body[1:]:
        if m := NODE_DEF.match(line):
            assert m.group(1) not in nodes, f"node defined twice: {line}"
            nodes[m.group(1)] = (m.group(3), m.group(5))
        elif m := EDGE_DEF.match(line):
            edges.append((m.group(1), m.group(4), m.group(3)))
        elif line.strip().startswith("linkStyle"):
            styles.append(line)
        elif line.strip().startswith("classDef"):
            classes.add(line.split()[1])
    return nodes, edges, styles, classes


def test_mermaid_structure(catalogue):
    for pathway, graph in graphs(catalogue):
        text = to_mermaid(graph)
        nodes, edges, styles, classes = parse_mermaid(text)
        assert len(nodes) == graph.number_of_nodes(), pathway.id
        assert len(edges) == graph.number_of_edges(), pathway.id
        assert all(source in nodes and target in nodes for source, target, _ in edges)
        assert len(styles) == len(edges)
        assert {cls for _, cls in nodes.values()} <= classes
        for label, _ in nodes.values():
            bare = re.sub(r"#\w+;", "", label.replace("<br/>", ""))  # without entity codes and line breaks
            assert not set(bare) & set('"#;<>|`'), label
        assert 'subgraph legend["Legend"]' in text
        for step in pathway.steps.values():
            assert f'subgraph line_{step.line_of_therapy}["Line {step.line_of_therapy}"]' in text


def test_mermaid_escapes_what_github_chokes_on(vocab):
    assert mermaid_escape('a "b" #1; x|y <z> & `c`') == "a #quot;b#quot; #35;1#59; x#124;y #lt;z#gt; #amp; #96;c#96;"
    graph = build_graph(load_pathway(FIXTURES / "labels.yaml", vocab), None, vocab)
    nodes, _, _, _ = parse_mermaid(to_mermaid(graph))
    assert nodes["n_step_steroids"][0].startswith("Line 1: Corticosteroids<br/>Steroids #lt;i#gt;#quot;first#quot;#lt;/i#gt;")
    assert nodes["n_entry"][0] == "Test #lt;b#gt;labels#lt;/b#gt; #amp; #quot;quotes#quot;<br/>#35;1#59; a#124;b #96;x#96;"


def test_mermaid_edges_keep_rule_labels(catalogue):
    graph = build_graph(load_pathway(FROZEN_MS, catalogue.vocabulary), catalogue.screening, catalogue.vocabulary)
    _, edges, _, _ = parse_mermaid(to_mermaid(graph))
    labelled = {(s, t): label for s, t, label in edges}
    assert labelled[("n_decide_ivmp", "n_step_plex")] == "corticosteroids failed /<br/>intolerant / contraindicated"


# -- every pathway, every format, through the CLI -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_pathway_exports_to_every_format(catalogue, fmt, tmp_path, dot_binary):
    for pathway in catalogue.pathways.values():
        out = tmp_path / f"{pathway.id}.{fmt}"
        result = runner.invoke(app, ["graph", pathway.id, "--format", fmt, "-o", str(out), "--rulesets", str(RULESETS)])
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        if fmt == "png":
            assert data.startswith(PNG_MAGIC)
        elif fmt == "svg":
            root = ET.fromstring(data)
            assert root.tag == f"{SVG_NS}svg"
            texts = " ".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))
            assert "Notes" in texts and "Clinical state" in texts  # the notes and the key
        elif fmt == "json":
            parsed = json.loads(data)
            assert parsed["format"] == "ivig-rules-teaching-view" and parsed["graph"]["pathway"] == pathway.id
            assert {n["id"] for n in parsed["nodes"]} >= {f"step:{s}" for s in pathway.steps}
        elif fmt == "dot":
            assert data.decode().startswith(f'digraph "{pathway.id}"') and "rankdir=TB" in data.decode()
        elif fmt == "mermaid":
            assert "flowchart TB" in data.decode()
        elif fmt == "markdown":
            assert "```mermaid\n" in data.decode()


def test_text_format_goes_to_stdout():
    result = runner.invoke(app, ["graph", "ms_relapse", "--format", "json", "--rulesets", str(RULESETS)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["graph"]["title"].startswith("Multiple sclerosis")


def test_binary_format_needs_an_output_file():
    result = runner.invoke(app, ["graph", "ms_relapse", "--format", "png", "--rulesets", str(RULESETS)])
    assert result.exit_code == 2
    assert "-o FILE" in result.output


def test_unknown_pathway_suggests_the_closest():
    result = runner.invoke(app, ["graph", "ms_relaps", "--rulesets", str(RULESETS)])
    assert result.exit_code == 2
    assert "Did you mean 'ms_relapse'?" in result.output
    assert "Traceback" not in result.output


def test_missing_graphviz_is_one_line_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    result = runner.invoke(app, ["graph", "ms_relapse", "-f", "svg", "-o", str(tmp_path / "x.svg"), "--rulesets", str(RULESETS)])
    assert result.exit_code == 3
    assert "apt-get install -y graphviz" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.svg").exists()


def test_docs_ms_relapse_is_what_the_cli_generates(tmp_path):
    out = tmp_path / "ms_relapse.md"
    result = runner.invoke(app, ["graph", "ms_relapse", "--format", "markdown", "-o", str(out), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    assert MS_DOC.read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), (
        "docs/ms_relapse.md is stale; regenerate: ivig-rules graph ms_relapse --format markdown -o docs/ms_relapse.md"
    )
    assert "```mermaid\n%% Multiple sclerosis" in out.read_text(encoding="utf-8")
