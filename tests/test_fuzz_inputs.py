"""Fuzz campaigns on every input path: patients, the YAML reader, CSV and JSON Lines cohorts (issue 15).

Property-based (hypothesis), bounded and seeded: a quick run here, a long one with
campaigns/long.sh (docs/testing.md). Each property is a promise of the project:
one exception type with a survivable message, no silent coercion, rows out = rows in.
"""

from __future__ import annotations

import csv
import io
import json
import re
import string

import pytest
from hypothesis import given, settings, strategies as st

from ivig_rules.audit import audit_cohort
from ivig_rules.errors import IvigRulesError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.loading.marked_yaml import parse_text

pytestmark = pytest.mark.fuzz

HOSTILE_TEXT = ["\x9b", "\x1b[2J", "\x85", "\u2028", "\ud800", "x" * 5000, "'", '"', ",", "\x00", "４０", "٧٠", "𝟗", "NaN", "1e400"]


def deep(levels: int) -> list:
    outer: list = []
    inner = outer
    for _ in range(levels):
        inner.append([])
        inner = inner[0]
    return outer


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=0, max_value=6000).map(lambda d: 10**d),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(HOSTILE_TEXT),
    st.binary(max_size=8),
)
shallow = st.recursive(scalars.filter(lambda v: not isinstance(v, int) or abs(v) < 10**4000), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
values = st.one_of(
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8),
    st.integers(min_value=1, max_value=3000).map(deep),
)


@pytest.fixture(scope="module")
def engines(catalogue):
    with Evaluator(catalogue, engine="durable") as durable, Evaluator(catalogue, engine="reference") as reference:
        yield durable, reference


def survivable(message: str) -> bool:
    """One printable, bounded paragraph per problem (a pass may report several problems, one a line)."""
    lines = message.split("\n")
    return len(lines) <= 101 and all(len(line) <= 2000 and line.isprintable() for line in lines)


@st.composite
def patients(draw, vocab):
    facts = {
        "diagnosis": draw(st.sampled_from(vocab.facts["diagnosis"].values)),
        "age_years": draw(st.integers(0, 120) | st.floats(0, 120)),
        "sex": draw(st.sampled_from(["female", "male"])),
    }
    names = [*vocab.facts, "treatments", *vocab.therapies]
    for name in draw(st.lists(st.sampled_from(names) | st.text(max_size=12), max_size=4)):
        facts[name] = draw(values)
    if draw(st.booleans()):
        facts["treatments"] = draw(st.dictionaries(st.sampled_from(list(vocab.therapies)) | st.text(max_size=5),
                                                   st.sampled_from(list(vocab.statuses)) | values, max_size=3))
    return facts


def test_every_patient_gets_an_answer_or_the_library_error(engines, vocab):
    durable, reference = engines

    @given(patients(vocab))
    def check(patient):
        try:
            answer = durable.evaluate(patient)
        except IvigRulesError as exc:
            assert survivable(str(exc)), str(exc)[:300]
            with pytest.raises(IvigRulesError):
                reference.evaluate(patient)
            return
        assert answer.to_dict() == {**reference.evaluate(patient).to_dict(), "engine": "durable"}
        if answer.dose is not None:
            assert answer.dose.dosing_weight_kg > 0 and answer.dose.total_g > 0

    check()


scalar_texts = st.one_of(
    st.from_regex(r"[-+]?[0-9_:.xXoObB]{1,8}(e[-+]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["yes", "no", "on", "off", "y", "n", "true", "False", "~", "null", ".inf", "-.inf", ".nan",
                     "2024-02-30", "2024-01-02", "0x11", "0o50", "1_0", "1:30", "4_0.5", "١٧", "Yes"]),
    st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=10),
)


@given(st.sampled_from(["!!int", "!!float", "!!bool", "!!null", "!!timestamp"]), scalar_texts)
def test_a_tagged_scalar_reads_as_the_untagged_one_or_is_refused(tag, text):
    """No explicit tag brings back a YAML 1.1 reading (hex, octal, base 60, underscores, yes/no)."""
    source = json.dumps(text)  # quoted, so the text reaches the tag unchanged
    try:
        tagged = parse_text(f"a: {tag} {source}\n")["a"]
    except IvigRulesError as exc:
        assert survivable(str(exc))
        return
    plain = parse_text(f"a: {text}\n")["a"] if text.strip() == text and text else None
    assert tagged == plain and type(tagged) in (int, float, bool, type(None), type(plain)), (tag, text, tagged, plain)


@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_any_text_reads_or_fails_with_the_library_error(text):
    try:
        parse_text(text)
    except IvigRulesError as exc:
        assert survivable(str(exc))


cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(['O"Brien', "5'11\"", '"', '""', '"quoted"', ",", "a,b", "\n", "x\ny", "gbs", "40", "male", "４０", "\x9b"]),
)
HEADER = ["id", "diagnosis", "age_years", "sex", "weight_kg"]
AUDITS = settings(max_examples=max(8, settings.default.max_examples // 5))  # each audit loads the rulesets


@AUDITS
@given(st.lists(st.lists(cells, min_size=4, max_size=4), max_size=25))
def test_a_csv_written_by_a_csv_writer_gives_one_result_row_per_record(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    ids = [f"r{i}" for i in range(len(rows))]
    for identity, row in zip(ids, rows):
        writer.writerow([identity, *row])
    (folder / "c.csv").write_text(buffer.getvalue(), encoding="utf-8")
    records = [r for r in csv.reader(io.StringIO(buffer.getvalue(), newline="")) if r][1:]
    summary = audit_cohort(folder / "c.csv", folder / "r.jsonl", workers=0)
    out = [json.loads(line) for line in (folder / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert summary.rows == len(out) == len(records)
    # a record holding a NUL byte is refused whole as not text, so its id is not read
    assert [r["patient_id"] for r in out] == [None if any("\x00" in c for c in rec) else rec[0] for rec in records]
    assert [r["row"] for r in out] == list(range(1, len(out) + 1))


@AUDITS
@given(st.lists(st.lists(cells.filter(lambda c: "\n" not in c and "\r" not in c and not c.startswith('"')), min_size=5, max_size=7),
                min_size=1, max_size=25))
def test_raw_csv_lines_never_join_or_vanish(tmp_path_factory, rows):
    """Cells that break the quoting rules (a quote inside, too many cells) still give one row per line."""
    folder = tmp_path_factory.mktemp("raw")
    lines = [",".join(HEADER)] + [",".join(row) for row in rows]
    (folder / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = [line for line in lines[1:] if line.strip()]
    summary = audit_cohort(folder / "c.csv", folder / "r.jsonl", workers=0)
    out = [json.loads(line) for line in (folder / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert summary.rows == len(out) == len(expected)
    lines_seen = [r["source_line"] for r in out]
    assert lines_seen == sorted(set(lines_seen))


@AUDITS
@given(st.lists(st.one_of(
    st.dictionaries(st.sampled_from(HEADER + ["treatments", "iga"]), shallow, max_size=6).map(lambda d: json.dumps(d, default=repr)),
    st.integers(min_value=1, max_value=5000).map(lambda n: '{"diagnosis": ' + "[" * n + "]" * n + "}"),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ").decode("latin-1")),
    st.just(""),
), max_size=25))
def test_json_lines_give_one_result_row_per_line(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("jsonl")
    (folder / "c.jsonl").write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    expected = [piece for line in lines for piece in re.split(r"\r\n|\r|\n", line) if piece.strip()]  # a lone CR ends a line
    summary = audit_cohort(folder / "c.jsonl", folder / "r.jsonl", workers=0)
    out = [json.loads(line) for line in (folder / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert summary.rows == len(out) == len(expected) and summary.errors == sum(1 for r in out if r["error"])
    assert all(survivable(r["error"]) for r in out if r["error"])
