"""The safe reader keeps lines, refuses what is not plain data, and reads JSON too."""

from __future__ import annotations

import datetime

import pytest

from ivig_rules.errors import YamlError
from ivig_rules.loading.marked_yaml import line_of, parse_text


def test_lines_of_keys_and_items():
    data = parse_text("a: 1\nb:\n  - x\n  - y\nc: {d: 2}\n", "f.yaml")
    assert (line_of(data, "a"), line_of(data, "b"), line_of(data, "c")) == (1, 2, 5)
    assert (line_of(data["b"], 0), line_of(data["b"], 1)) == (3, 4)


def test_merge_keys_and_anchors_are_plain_data():
    data = parse_text("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert dict(data["thing"]) == {"x": 1, "y": 3}


def test_dates_and_numbers():
    data = parse_text("d: 2026-11-21\nn: 1.5\ni: 3\nt: true\n")
    assert data == {"d": datetime.date(2026, 11, 21), "n": 1.5, "i": 3, "t": True}


def test_json_with_tabs_reads_with_lines():
    data = parse_text('{\n\t"a": 1,\n\t"b": [1,\t2]\n}\n', "p.json")
    assert data == {"a": 1, "b": [1, 2]} and line_of(data, "b") == 3


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: !!python/name:os.system\n", "not allowed"),
        ("a: !custom 1\n", "not allowed"),
        ("!!set {a, b}\n", "not allowed"),
        ("a: 1\na: 2\n", "appears twice"),
        ("a: [1\n", "not valid YAML"),
        ("a: 1\n---\nb: 2\n", "single document"),
        ("? [a, b]\n: 1\n", "plain text"),
    ],
)
def test_refusals(text, words):
    with pytest.raises(YamlError) as caught:
        parse_text(text, "x.yaml")
    assert words in str(caught.value)
    assert caught.value.file == "x.yaml"
