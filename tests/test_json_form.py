"""The one JSON form of the dataclasses (model/json_form.py): fields in order, metadata for the rest."""

from __future__ import annotations

from dataclasses import dataclass

from ivig_rules.model import Citation
from ivig_rules.model.json_form import json_field, json_form


@json_form
@dataclass(frozen=True)
class _Inner:
    name: str
    pairs: tuple[tuple[str, int], ...] = ()


@json_form
@dataclass(frozen=True)
class _Outer:
    first: str
    renamed: int = json_field(key="line")
    hidden: bool = json_field(omit=True, default=False)
    mapping: tuple[tuple[str, int], ...] = json_field(convert=dict, default=())
    inner: tuple[_Inner, ...] = ()
    cited: tuple[Citation, ...] = ()
    nothing: str | None = None


def test_fields_in_order_renamed_left_out_and_converted():
    outer = _Outer("a", 3, True, (("x", 1), ("y", 2)), (_Inner("i", (("p", 1),)),), (Citation("faq", 2),))
    assert outer.to_dict() == {
        "first": "a",
        "line": 3,
        "mapping": {"x": 1, "y": 2},
        "inner": [{"name": "i", "pairs": [["p", 1]]}],
        "cited": [{"cite": "faq [2]", "source": "faq", "section": None, "ref": 2, "text": "faq [2]"}],
        "nothing": None,
    }
    assert list(outer.to_dict()) == ["first", "line", "mapping", "inner", "cited", "nothing"]


def test_the_shipped_json_keys_come_from_the_fields():
    from ivig_rules.lint.findings import LintFinding
    from ivig_rules.scenarios.coverage import EdgeCoverage, NoteCoverage

    finding = LintFinding("error", "schema", "bad", file="f.yaml", line=2, unreadable=True)
    assert list(finding.to_dict()) == ["severity", "code", "message", "file", "line", "key", "suggestion", "pathway",
                                       "rules", "count", "example"]
    edge = EdgeCoverage("gbs", "n1", "n2", label="IVIG", where="box 1 -> box 2", rules=("gbs.a",))
    assert edge.to_dict() == {"pathway": "gbs", "from": "n1", "to": "n2", "label": "IVIG", "where": "box 1 -> box 2",
                              "rules": ["gbs.a"], "scenarios": 0}
    assert NoteCoverage("gbs", 4, "text", ("gbs.a",), 2).to_dict() == {
        "pathway": "gbs", "note": 4, "text": "text", "rules": ["gbs.a"], "scenarios": 2}
