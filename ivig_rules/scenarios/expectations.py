"""The fields a scenario's ``expect:`` may give, in one registry: how each is read and checked.

Each field is one ``ExpectField`` line: its name, what it checks (the docs table, tested
against this list), how its value is read from the scenario file, and how a recommendation
is compared with it. The scenario loader, the runner, the pytest plugin and docs/scenarios.md
all follow ``EXPECT_FIELDS``; adding a field is one line here and its two small functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..errors import ScenarioError
from ..evaluation.dosing import Dose, Regimen
from ..loading.cursor import Keys, Node
from ..model import VERDICTS, Vocabulary

if TYPE_CHECKING:
    from ..evaluation.recommendation import Recommendation

__all__ = ["Mismatch", "ExpectField", "EXPECT_FIELDS", "DOSE_FIELDS", "EXPECTATION", "DOSE_EXPECTATION",
           "REGIMEN_FIELDS", "REGIMEN_EXPECTATION", "read_field", "check_field"]

# What a scenario may expect of a dose: the Dose's own fields, less its prose and sources.
DOSE_FIELDS = tuple(f.name for f in fields(Dose) if f.name not in ("then", "notes", "citations"))
DOSE_EXPECTATION = Keys((), DOSE_FIELDS, "dose fields")  # the loader's check and the JSON Schema's
# What a scenario may expect of the regimen per kg, shown with or without a weight.
REGIMEN_FIELDS = tuple(f.name for f in fields(Regimen) if f.name not in ("then", "citations"))
REGIMEN_EXPECTATION = Keys((), REGIMEN_FIELDS, "regimen fields")


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: Any
    actual: Any
    line: int | None = None

    def describe(self) -> str:
        expected = _show(self.expected)
        if self.field == "ivig" and isinstance(self.expected, tuple):
            expected = "one of " + ", ".join(self.expected)  # a list of acceptable verdicts
        return f"{self.field}: expected {expected}, got {_show(self.actual)}"


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def numbers_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(numbers_equal(x, y) for x, y in zip(a, b))
    return a == b


Reader = Callable[[Node, Vocabulary], Any]
Checker = Callable[[str, Any, "Recommendation", Optional[int]], list]


@dataclass(frozen=True)
class ExpectField:
    name: str
    checks: str  # one line for the docs table
    read: Reader
    check: Checker


# -- readers --------------------------------------------------------------------------------------


def _nullable(read: Reader) -> Reader:
    return lambda node, vocab: None if node.value is None else read(node, vocab)


def _ids(table: Callable[[Vocabulary], Any], what: str, *, sort: bool = False) -> Reader:
    def read(node: Node, vocab: Vocabulary) -> tuple:
        found = tuple(i.choice(table(vocab), what=what) for i in node.seq(allow_single=True))
        return tuple(sorted(found)) if sort else found

    return read


def _one(table: Callable[[Vocabulary], Any], what: str) -> Reader:
    return lambda node, vocab: node.choice(table(vocab), what=what)


def _text(max_length: int) -> Reader:
    return lambda node, vocab: node.text(max_length=max_length)


def _texts(node: Node, vocab: Vocabulary) -> tuple:
    return tuple(i.text(max_length=500) for i in node.seq(allow_single=True, nonempty=True))


def _verdicts(node: Node, vocab: Vocabulary) -> tuple:
    return tuple(i.choice(VERDICTS, what="IVIG verdict") for i in node.seq(allow_single=True, nonempty=True))


def _line(node: Node, vocab: Vocabulary) -> int:
    return node.number(minimum=1, maximum=9, integer=True)


def _alert_text(node: Node, vocab: Vocabulary) -> dict:
    node.mapping(what="alert id -> words its message must contain")
    return {
        Node(alert_id, node.file, sub.path, sub.line, ScenarioError).choice(vocab.alerts, what="alert id"): sub.text(max_length=500)
        for alert_id, sub in node.items()
    }


def _figures(keys: Keys, what: str) -> Reader:
    """A reader of a mapping of dose or regimen fields to the numbers, text or null expected."""
    def read(node: Node, vocab: Vocabulary) -> dict:
        node.mapping(keys)
        found: dict[str, Any] = {}
        for key, child in node.items():
            value = child.value
            if isinstance(value, list):
                found[key] = [item.number() for item in child.seq()]
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                found[key] = child.number()
            elif value is None or isinstance(value, str):
                found[key] = value
            else:
                raise child.error(f"expected a number, text or null for {what} field {key!r}")
        return found

    return read


# -- checkers: each returns the mismatches of one field -------------------------------------------


def _equals(actual: Callable[["Recommendation"], Any]) -> Checker:
    def check(name: str, expected: Any, rec: "Recommendation", line: int | None) -> list:
        got = actual(rec)
        return [] if numbers_equal(got, expected) else [Mismatch(name, expected, got, line)]

    return check


def _verdict_in(name: str, expected: tuple, rec: "Recommendation", line: int | None) -> list:
    return [] if rec.ivig in expected else [Mismatch(name, expected if len(expected) > 1 else expected[0], rec.ivig, line)]


def _alerts_present(name: str, expected: tuple, rec: "Recommendation", line: int | None) -> list:
    missing = [a for a in expected if a not in rec.alert_ids]
    return [Mismatch(name, tuple(missing), rec.alert_ids, line)] if missing else []


def _alerts_absent(name: str, expected: tuple, rec: "Recommendation", line: int | None) -> list:
    present = [a for a in expected if a in rec.alert_ids]
    return [Mismatch(name, tuple(expected), tuple(present), line)] if present else []


def _ids_present(name: str, expected: tuple, rec: "Recommendation", line: int | None) -> list:
    have = tuple(a.id for a in getattr(rec, name))
    missing = [a for a in expected if a not in have]
    return [Mismatch(name, expected, have, line)] if missing or (not expected and have) else []


def _review(name: str, expected: str | None, rec: "Recommendation", line: int | None) -> list:
    text = rec.review.text if rec.review is not None else None
    if (expected is None) != (text is None) or (expected is not None and expected not in text):
        return [Mismatch(name, "none" if expected is None else f"a review containing {expected!r}", text, line)]
    return []


def _citations(name: str, expected: tuple, rec: "Recommendation", line: int | None) -> list:
    texts = [c.text or str(c) for c in rec.citations]
    found = [words for words in expected if any(words in text for text in texts)]
    wanted = name == "citations"
    wrong = [w for w in expected if w not in found] if wanted else found
    if not wrong:
        return []
    shown = tuple(texts) if wanted else tuple(t for t in texts if any(w in t for w in wrong))
    return [Mismatch(name, tuple(expected), shown, line)]


def _alert_messages(name: str, expected: dict, rec: "Recommendation", line: int | None) -> list:
    messages = {a.id: a.message for a in rec.alerts}
    return [
        Mismatch(f"{name}.{alert_id}", f"a message containing {words!r}", messages.get(alert_id), line)
        for alert_id, words in expected.items()
        if messages.get(alert_id) is None or words not in messages[alert_id]
    ]


def _figures_match(name: str, expected: dict | None, rec: "Recommendation", line: int | None) -> list:
    """The ``dose`` or ``regimen`` (the field of the same name) against the fields expected, or null for none."""
    found = getattr(rec, name)
    if expected is None or found is None:
        if (expected is None) != (found is None):
            return [Mismatch(name, expected, None if found is None else f"a {name}", line)]
        return []
    actual = found.to_dict()
    return [
        Mismatch(f"{name}.{key}", value, actual.get(key), line)
        for key, value in expected.items()
        if not numbers_equal(actual.get(key), value)
    ]


EXPECT_FIELDS = MappingProxyType({f.name: f for f in (
    ExpectField("ivig", "the IVIG verdict, or a list of acceptable verdicts", _verdicts, _verdict_in),
    ExpectField("next_step", "the therapy to give next (`null`: none)",
                _nullable(_one(lambda v: v.therapies, "therapy")), _equals(lambda r: r.next_step)),
    ExpectField("step", "the step id the patient is at", _nullable(_text(200)), _equals(lambda r: r.step)),
    ExpectField("line", "the line of therapy, 1 to 9 (`null`: none)", _nullable(_line), _equals(lambda r: r.line_of_therapy)),
    ExpectField("with", "exactly these therapies given alongside", _ids(lambda v: v.therapies, "therapy"),
                _equals(lambda r: tuple(r.with_therapies))),
    ExpectField("dose", "these dose fields (below); `null` expects no dose", _nullable(_figures(DOSE_EXPECTATION, "dose")),
                _figures_match),
    ExpectField("regimen", "these regimen fields, per kg (below), shown with or without a weight; `null` expects none",
                _nullable(_figures(REGIMEN_EXPECTATION, "regimen")), _figures_match),
    ExpectField("alerts", "these alert ids must be present (others may be too)", _ids(lambda v: v.alerts, "alert id"),
                _alerts_present),
    ExpectField("no_alerts", "none of these alert ids may be present", _ids(lambda v: v.alerts, "alert id"), _alerts_absent),
    ExpectField("alert_text", "alert id -> words its message must contain, e.g. `{live_vaccine: \"about 11 months\"}`",
                _alert_text, _alert_messages),
    ExpectField("evidence", "the deciding rule's evidence level",
                _nullable(_one(lambda v: v.evidence_levels, "evidence level")), _equals(lambda r: r.evidence)),
    ExpectField("decided_by", "the deciding rule, `pathway.rule_id`", _nullable(_text(200)), _equals(lambda r: r.decided_by)),
    ExpectField("pathway_verdict", "the pathway's own verdict before the safety screening",
                _one(lambda v: VERDICTS, "IVIG verdict"), _equals(lambda r: r.pathway_verdict)),
    ExpectField("conflicts", "exactly these conflict ids (`[]`: none), e.g. `[iga_deficiency, renal_impairment]`",
                _ids(lambda v: v.conflicts, "conflict id", sort=True),
                _equals(lambda r: tuple(sorted(c.id for c in r.conflicts)))),
    ExpectField("not_recorded", "exactly these safety facts listed as not recorded (`[]`: none)",
                _ids(lambda v: v.facts, "fact", sort=True), _equals(lambda r: tuple(sorted(r.not_recorded)))),
    ExpectField("review", "words the response review must contain, or `null` for no review", _nullable(_text(500)), _review),
    ExpectField("monitoring", "these monitoring ids must be present (`[]`: none at all)",
                _ids(lambda v: v.monitoring, "monitoring id"), _ids_present),
    ExpectField("administration", "these administration ids must be present (`[]`: none at all)",
                _ids(lambda v: v.administration, "administration id"), _ids_present),
    ExpectField("citations", "each text must appear in some citation's readable text (\"Goodin DS et al., Neurology 2002\")",
                _texts, _citations),
    ExpectField("no_citations", "no citation's readable text may contain any of these", _texts, _citations),
)})


EXPECTATION = Keys((), tuple(EXPECT_FIELDS), "the expected recommendation")  # the loader's check and the JSON Schema's


def read_field(name: str, node: Node, vocab: Vocabulary) -> Any:
    return EXPECT_FIELDS[name].read(node, vocab)


def check_field(name: str, expected: Any, rec: "Recommendation", line: int | None) -> list[Mismatch]:
    return EXPECT_FIELDS[name].check(name, expected, rec, line)
