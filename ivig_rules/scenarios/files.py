"""Reads scenario files: patients with the recommendation a clinician expects for them.

A file holds ``scenarios:`` (a list) and optionally ``base_patient:`` that every scenario's
patient extends (its ``treatments`` merge too). Each scenario has a ``name``, a ``patient``
and an ``expect`` mapping; ``tags`` and ``skip: reason`` are optional. The format is
documented in docs/scenarios.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..loading import marked_yaml
from ..loading.cursor import Keys, Node, Problems, root
from ..errors import InputError, ScenarioError
from ..loading.marked_yaml import MarkedDict
from ..model import Patient, Vocabulary
from ..loading.patient import parse_patient
from .expectations import (DOSE_EXPECTATION, DOSE_FIELDS, EXPECT_FIELDS, EXPECTATION, REGIMEN_EXPECTATION,
                           REGIMEN_FIELDS, read_field)

__all__ = ["Scenario", "Expectation", "load_scenario_file", "collect_scenario_files", "DOSE_FIELDS", "EXPECT_FIELDS",
           "EXPECTATION", "DOSE_EXPECTATION", "REGIMEN_FIELDS", "REGIMEN_EXPECTATION"]

_SUFFIXES = (".yaml", ".yml")

# -- the keys of each mapping of a scenario file (the JSON Schemas are built from them)
SCENARIO_FILE = Keys(("scenarios",), ("base_patient", "description"), "a scenario file")
SCENARIO = Keys(("name", "expect"), ("patient", "fhir", "tags", "skip", "description"), "a scenario")


@dataclass(frozen=True)
class Expectation:
    """What a scenario expects; only the fields given are checked."""

    fields: dict[str, Any]
    lines: dict[str, int | None] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str
    line: int | None
    patient: Patient
    expect: Expectation
    tags: tuple[str, ...] = ()
    skip: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def _merge_patient(base: MarkedDict | None, own: Any) -> Any:
    if base is None or not isinstance(own, dict):
        return own
    merged = MarkedDict(getattr(own, "line", None))
    for source in (base, own):
        for key, value in source.items():
            if key == "treatments" and isinstance(value, dict) and isinstance(merged.get(key), dict):
                combined = MarkedDict(getattr(value, "line", None))
                for src in (merged[key], value):
                    for k, v in src.items():
                        combined[k] = v
                        combined.key_lines[k] = getattr(src, "key_lines", {}).get(k, getattr(src, "line", None))
                value = combined
            merged[key] = value
            merged.key_lines[key] = getattr(source, "key_lines", {}).get(key, getattr(source, "line", None))
    return merged


def _expectation(node: Node, vocab: Vocabulary) -> Expectation:
    """Every wrong field is reported: an unknown key does not hide a bad value beside it."""
    if not isinstance(node.value, dict):
        node.mapping(EXPECTATION)  # raises: not a mapping
    if not node.value:
        raise node.error("'expect' is empty; say what the recommendation should be (for example ivig: recommended)")
    problems = Problems()
    with problems.part():
        node.mapping(EXPECTATION)
    out: dict[str, Any] = {}
    lines: dict[str, int | None] = {}
    for key in node.value:
        if key not in EXPECT_FIELDS:  # reported by mapping() above
            continue
        child = node.child(key)
        lines[key] = child.line
        with problems.part():
            out[key] = read_field(key, child, vocab)
    problems.raise_any()
    both = set(out.get("citations", ())) & set(out.get("no_citations", ()))
    if both:
        raise node.error(f"the citations {', '.join(sorted(both))} are both expected and expected absent")
    if "alerts" in out and "no_alerts" in out:
        both = set(out["alerts"]) & set(out["no_alerts"])
        if both:
            raise node.error(f"the alerts {', '.join(sorted(both))} are both expected and expected absent")
    return Expectation(out, lines)


def load_scenario_file(path: str | Path, vocab: Vocabulary, *, rulesets: str | Path | None = None) -> list[Scenario]:
    """Read and check every scenario of one file; every problem of the file is reported at once.

    ``rulesets``: the folder whose fhir.yaml reads ``fhir:`` patients (default: the usual one).
    """
    file = str(path)
    doc = root(marked_yaml.read_file(path), file, ScenarioError)
    _refuse_a_patient(doc, vocab)
    doc.mapping(SCENARIO_FILE)
    base = None
    if doc.get("base_patient") is not None:
        base_node = doc.child("base_patient")
        if not isinstance(base_node.value, dict):
            raise base_node.error("'base_patient' is a mapping of patient facts")
        base = base_node.value
    problems = Problems()
    scenarios: list[Scenario] = []
    seen: dict[str, int | None] = {}
    for item in doc.child("scenarios").seq(what="scenarios", nonempty=True):
        with problems.part():
            scenarios.append(_scenario(item, base, vocab, seen, rulesets))
    problems.raise_any()
    return scenarios


def _scenario(item: Node, base: MarkedDict | None, vocab: Vocabulary, seen: dict[str, int | None],
              rulesets: str | Path | None = None) -> Scenario:
    """One scenario; its name, patient, tags, skip and expectation are each checked, all reported."""
    item.mapping(SCENARIO)
    problems = Problems()
    name = patient = expect = skip = None
    tags: tuple[str, ...] = ()
    with problems.part():
        name = item.child("name").text(max_length=200)
        if name in seen:
            raise item.child("name").error(f"the scenario name {name!r} is used twice in this file (first on line {seen[name]})")
        seen[name] = item.line
    with problems.part():
        if item.has("fhir"):
            if item.has("patient"):
                raise item.child("fhir").error("give the patient as facts ('patient:') or as a FHIR Bundle ('fhir:'), not both")
            from ..fhir.scenario import scenario_patient_from_fhir

            patient = scenario_patient_from_fhir(item.child("fhir"), vocab, rulesets)
        elif not item.has("patient"):
            raise item.error("the key 'patient' is required here (or 'fhir:', a FHIR Bundle file or an inline Bundle)")
        else:
            patient_node = item.child("patient")
            merged = Node(_merge_patient(base, patient_node.value), item.file, patient_node.path, patient_node.line, ScenarioError)
            try:
                patient = parse_patient(merged, vocab)
            except InputError as exc:
                _name_base_patient_keys(exc, patient_node.path, base, patient_node.value)
                raise
    with problems.part():
        if item.get("tags") is not None:
            tags = tuple(t.ident(what="a tag") for t in item.child("tags").seq(allow_single=True))
    with problems.part():
        if "skip" in item.value:
            skip = item.child("skip").text(max_length=500) if item.value["skip"] is not None else None
            if skip is None:
                raise item.child("skip").error("'skip' needs a reason, written as text")
    with problems.part():
        expect = _expectation(item.child("expect"), vocab)
    problems.raise_any()
    return Scenario(name=name, file=item.file, line=item.line, patient=patient, expect=expect, tags=tags, skip=skip)


def _name_base_patient_keys(exc: InputError, path: str, base: MarkedDict | None, own: Any) -> None:
    """A problem with a fact that only ``base_patient`` gives is named at its key there
    (``base_patient.wieght_kg``), so that it is reported once, not again for every scenario."""
    if base is None:
        return
    own = own if isinstance(own, dict) else {}
    for problem in exc.problems:
        key = problem.key or ""
        if not key.startswith(path + "."):
            continue
        rest = key[len(path) + 1:]
        fact, _, sub = rest.partition(".")
        if fact == "treatments" and sub and isinstance(base.get(fact), dict) and isinstance(own.get(fact, {}), dict):
            fact, base, own = sub.split(".")[0], base[fact], own.get(fact, {})  # one therapy's status
        if fact in base and fact not in own:
            problem.key = "base_patient." + rest


def _refuse_a_patient(doc: Node, vocab: Vocabulary) -> None:
    """A patient file given where scenarios belong: say so, and name the command it is for."""
    if not isinstance(doc.value, dict) or any(key in doc.value for key in ("scenarios", "base_patient")):
        return
    facts = [key for key in doc.value if isinstance(key, str) and (key in vocab.facts or key == "treatments")]
    if facts:
        raise doc.error(
            f"this looks like one patient (facts such as {', '.join(facts[:3])}), not a scenario file. "
            f"Evaluate it with 'ivig-rules evaluate {doc.file}', or make it a scenario: under 'scenarios:' "
            "give it a name, the patient's facts and what to expect (docs/scenarios.md)"
        )


def collect_scenario_files(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders (recursively, sorted) into scenario files."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
            if not found:
                raise ScenarioError("this folder holds no scenario files (*.yaml, *.yml)", file=str(path))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioError("no such file or folder", file=str(path))
    unique: list[Path] = []
    for path in files:
        if path not in unique:
            unique.append(path)
    return unique
