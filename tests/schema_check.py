"""Helpers for tests/test_schemas.py: one file judged by its JSON Schema and by its loader, side by side.

``judge(kind, data)`` writes the document where its loader reads it (a scratch rulesets folder or
scenario folder beside the project's own files), validates it against the generated schema,
loads it with the loader, and returns both answers; ``disagreement`` says what is wrong when they
do not agree (see ivig_rules.schemas.limits for the refusals only the loader can make).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ivig_rules.errors import FileReadError, InputError, IvigRulesError, YamlError
from ivig_rules.fhir.mapping import load_mapping
from ivig_rules.loading import marked_yaml
from ivig_rules.loading.patient import read_patient
from ivig_rules.loading.rulesets import load_pathway, load_screening
from ivig_rules.scenarios.files import load_scenario_file
from ivig_rules.schemas import KINDS, to_schema
from ivig_rules.schemas.limits import loader_only
from ivig_rules.loading.vocabulary import load_sources, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
SCENARIOS = ROOT / "scenarios"
FILE_NAMES = {"pathway": "pathways/mutant.yaml", "safety": "safety.yaml", "vocabulary": "vocabulary.yaml",
              "sources": "sources.yaml", "fhir": "fhir.yaml", "scenario": "mutant.yaml", "patient": "patient.yaml"}


def to_instance(value: Any) -> Any:
    """A document as the YAML language server sees it: plain JSON values, dates as the text they are written in."""
    if isinstance(value, dict):
        return {key: to_instance(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_instance(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass
class Verdict:
    """What the schema and the loader said of one document."""

    kind: str
    schema_errors: list[str]
    problems: list[InputError]  # the loader's, every one it found
    crash: BaseException | None = None

    @property
    def schema_ok(self) -> bool:
        return not self.schema_errors

    @property
    def loads(self) -> bool:
        return not self.problems and self.crash is None

    def unexplained(self) -> list[InputError]:
        """The loader's refusals that no entry of LOADER_ONLY explains."""
        return [p for p in self.problems if loader_only(self.kind, p.key, p.message) is None]

    def disagreement(self) -> str | None:
        """None when schema and loader agree; else what is wrong, in words."""
        if self.crash is not None:
            return f"the loader crashed: {type(self.crash).__name__}: {self.crash}"
        if self.schema_ok and not self.loads and self.unexplained():
            shown = "; ".join(f"{p.key}: {p.message}" for p in self.unexplained()[:3])
            return f"the schema accepts what the loader refuses, and no LOADER_ONLY entry explains it: {shown}"
        if not self.schema_ok and self.loads:
            return f"the schema refuses a file that loads: {'; '.join(self.schema_errors[:3])}"
        return None


class Judge:
    """Validates documents of every kind against the generated schemas, and loads them, in a scratch folder."""

    def __init__(self, scratch: Path) -> None:
        self.vocab = load_vocabulary(RULESETS)
        self.validators = {kind: Draft202012Validator(to_schema(kind, RULESETS)) for kind in KINDS}
        self.rulesets = scratch / "rulesets"
        shutil.copytree(RULESETS, self.rulesets)
        self.scenarios = scratch / "scenarios"
        shutil.copytree(SCENARIOS / "fhir", self.scenarios / "fhir")  # the Bundles scenarios name

    def schema_errors(self, kind: str, instance: Any) -> list[str]:
        errors = sorted(self.validators[kind].iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors]

    def judge(self, kind: str, data: Any) -> Verdict:
        """The schema's and the loader's answer for a document (parsed data: mappings, lists, scalars)."""
        instance = to_instance(data)
        verdict = Verdict(kind, self.schema_errors(kind, instance), [])
        path = self._write(kind, instance)
        try:
            self._load(kind, path)
        except InputError as exc:
            verdict.problems = list(exc.problems)
        except IvigRulesError as exc:  # not about a place in the file
            verdict.crash = exc
        except Exception as exc:  # noqa: BLE001 - a crash is what the test reports
            verdict.crash = exc
        finally:
            self._restore(kind)
        return verdict

    def judge_file(self, kind: str, path: Path) -> Verdict:
        """The answers for a file as it is on disk (the bad-input corpus): the loader reads the file
        itself; the schema sees what the project's YAML reader makes of it, when it makes anything."""
        try:
            instance = to_instance(marked_yaml.read_file(path))
        except (YamlError, FileReadError) as exc:
            # No data for a schema to see: the schema refused nothing, so the reader's refusal must be
            # one LOADER_ONLY lists (yaml-text), or the verdicts disagree.
            return Verdict(kind, [], list(exc.problems))
        verdict = Verdict(kind, self.schema_errors(kind, instance), [])
        try:
            self._load(kind, path, rulesets=RULESETS)
        except InputError as exc:
            verdict.problems = list(exc.problems)
        except Exception as exc:  # noqa: BLE001 - a crash is what the test reports
            verdict.crash = exc
        return verdict

    def _write(self, kind: str, instance: Any) -> Path:
        folder = self.scenarios if kind in ("scenario", "patient") else self.rulesets
        path = folder / FILE_NAMES[kind]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(instance, ensure_ascii=False), encoding="utf-8")  # JSON is YAML the reader takes
        return path

    def _restore(self, kind: str) -> None:
        if kind in ("vocabulary", "sources", "fhir", "safety"):
            name = FILE_NAMES[kind]
            shutil.copyfile(RULESETS / name, self.rulesets / name)

    def _load(self, kind: str, path: Path, rulesets: Path | None = None) -> None:
        vocab = self.vocab
        rulesets = rulesets or self.rulesets
        if kind == "pathway":
            load_pathway(path, vocab)
        elif kind == "safety":
            load_screening(path, vocab)
        elif kind == "vocabulary":
            load_vocabulary(rulesets)
        elif kind == "sources":
            load_sources(path)
        elif kind == "fhir":
            load_mapping(vocab, rulesets)
        elif kind == "scenario":
            load_scenario_file(path, vocab, rulesets=rulesets)
        else:
            read_patient(path, vocab)
