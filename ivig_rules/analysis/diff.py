"""What a change to the rules does to patients: evaluate OLD and NEW on the same patients.

The patients are every combination of the values that decide the rules of both versions of
each pathway (the union of their fact spaces, plus the facts of safety rules that changed)
and, optionally, the patients of scenario files. Every patient whose verdict, next step,
dose or alerts differ is reported, grouped by old deciding rule -> new deciding rule.
Enumerated patients weigh 70 kg and are 170 cm tall so that dose changes show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable

from ..loading.catalogue import find_rulesets, load_catalogue
from ..errors import InputError, IvigRulesError
from ..evaluation.evaluator import Evaluator
from ..logic.fact_space import axes_for_rules, enumerate_space, example_patient
from ..model import Catalogue, Patient, Rule
from ..loading.rulesets import load_pathway, load_screening
from ..loading.vocabulary import load_vocabulary
from ..model.facts import DIAGNOSIS, is_treatment, therapy_of

__all__ = ["Outcome", "ChangeGroup", "DiffReport", "semantic_diff", "load_side", "DIFF_BASE"]

DIFF_BASE = MappingProxyType({"weight_kg": 70, "height_cm": 170})
"""Facts every enumerated patient gets, so that doses are computed and dose changes show."""
NO_PATHWAY = "(no pathway)"
NO_DECISION = "(no decision)"
FIELDS = ("ivig", "next_step", "dose", "alerts")


@dataclass(frozen=True)
class Outcome:
    """The parts of a recommendation a change can alter."""

    ivig: str
    next_step: str | None = None
    dose: str | None = None
    alerts: tuple[str, ...] = ()
    decided_by: str = NO_DECISION

    def changes(self, other: "Outcome") -> dict[str, tuple[Any, Any]]:
        return {f: (getattr(self, f), getattr(other, f)) for f in FIELDS if getattr(self, f) != getattr(other, f)}


def _dose_text(dose) -> str | None:
    if dose is None:
        return None
    d = dose.to_dict()
    text = f"{d['therapy']} {d['phase']} {d['g_per_kg']:g} g/kg per {d['per']}, {d['days']} d"
    if d.get("interval_weeks") is not None:
        text += f", every {d['interval_weeks']:g} wk"
    if d.get("total_g") is not None:
        text += f", {d['total_g']:g} g"
    return text


def _outcome(evaluator: Evaluator, patient: Patient | dict) -> Outcome:
    diagnosis = patient.diagnosis if isinstance(patient, Patient) else patient[DIAGNOSIS]
    if diagnosis not in evaluator.catalogue.pathways:
        return Outcome(NO_PATHWAY, decided_by=NO_PATHWAY)
    try:
        rec = evaluator.evaluate(patient)
    except IvigRulesError as exc:
        label = NO_DECISION if type(exc).__name__ == "NoDecisionError" else f"(invalid: {exc})"
        return Outcome(label, decided_by=label)
    return Outcome(rec.ivig, rec.step, _dose_text(rec.dose), rec.alert_ids, rec.decided_by)


@dataclass
class ChangeGroup:
    diagnosis: str
    old_rule: str
    new_rule: str
    count: int = 0
    fields: dict[str, dict[tuple[Any, Any], int]] = field(default_factory=dict)
    example: dict[str, Any] | None = None
    example_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    scenarios: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "diagnosis": self.diagnosis,
            "old_rule": self.old_rule,
            "new_rule": self.new_rule,
            "count": self.count,
            "changes": {
                name: [{"old": _jsonable(o), "new": _jsonable(n), "count": c} for (o, n), c in transitions.items()]
                for name, transitions in self.fields.items()
            },
            "example": self.example,
            "example_changes": {k: {"old": _jsonable(o), "new": _jsonable(n)} for k, (o, n) in self.example_changes.items()},
            "scenarios": self.scenarios,
        }


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass
class DiffReport:
    old: str
    new: str
    groups: list[ChangeGroup] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)  # diagnosis -> patients compared
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def exit_code(self) -> int:
        return 1 if self.groups or self.only_old or self.only_new else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changed": self.changed,
            "compared": dict(sorted(self.compared.items())),
            "pathways_only_in_old": self.only_old,
            "pathways_only_in_new": self.only_new,
            "groups": [g.to_dict() for g in self.groups],
        }


# -- loading -----------------------------------------------------------------------------------


def load_side(path: str | Path, rulesets: str | Path | None = None) -> Catalogue:
    """A rulesets folder, or one pathway file checked against the vocabulary and screening
    of its own rulesets folder (when it lies in one) or of ``rulesets``."""
    path = Path(path)
    if path.is_dir():
        return load_catalogue(path)
    if not path.is_file():
        raise InputError("no such file or folder", file=str(path))
    folder = next(
        (c for c in (path.parent, path.parent.parent) if (c / "vocabulary.yaml").is_file()), find_rulesets(rulesets)
    )
    vocab = load_vocabulary(folder)
    pathway = load_pathway(path, vocab)
    screening = load_screening(Path(folder) / "safety.yaml", vocab)
    return Catalogue(vocab, screening, {pathway.diagnosis: pathway}, root=str(path))


# -- the comparison ----------------------------------------------------------------------------


def _merge_axes(*spaces: dict[str, tuple]) -> dict[str, tuple]:
    merged: dict[str, list] = {}
    for space in spaces:
        for name, values in space.items():
            known = merged.setdefault(name, [])
            known.extend(v for v in values if v not in known)
    out = {}
    for name in sorted(merged):
        values = merged[name]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        out[name] = tuple(sorted(values)) if numeric else tuple(values)
    return out


def _changed_rules(old: Iterable[Rule], new: Iterable[Rule]) -> tuple[list[Rule], list[Rule]]:
    old, new = list(old), list(new)
    return [r for r in old if r not in new], [r for r in new if r not in old]


def _space(diagnosis: str, old: Catalogue, new: Catalogue) -> dict[str, tuple]:
    old_screening, new_screening = _changed_rules(old.screening.rules, new.screening.rules)
    spaces = [axes_for_rules(old_screening, old.vocabulary), axes_for_rules(new_screening, new.vocabulary)]
    if diagnosis in old.pathways:
        spaces.append(axes_for_rules(old.pathways[diagnosis].rules, old.vocabulary))
    if diagnosis in new.pathways:
        spaces.append(axes_for_rules(new.pathways[diagnosis].rules, new.vocabulary))
    return _merge_axes(*spaces)


def _record(groups: dict[tuple, ChangeGroup], diagnosis: str, before: Outcome, after: Outcome,
            example: dict[str, Any], scenario: str | None) -> None:
    changes = before.changes(after)
    if not changes:
        return
    key = (diagnosis, before.decided_by, after.decided_by)
    group = groups.get(key)
    if group is None:
        group = groups[key] = ChangeGroup(diagnosis, before.decided_by, after.decided_by)
    group.count += 1
    for name, transition in changes.items():
        counts = group.fields.setdefault(name, {})
        counts[transition] = counts.get(transition, 0) + 1
    if group.example is None:
        group.example, group.example_changes = example, changes
    if scenario is not None:
        group.scenarios.append(scenario)


def _scenario_example(patient: Patient) -> dict[str, Any]:
    """A scenario's patient as a mapping for ``ivig-rules evaluate`` (facts with a value only)."""
    values = {k: v for k, v in patient.facts.items() if v is not None and k != "diagnosis"}
    out: dict[str, Any] = {"diagnosis": patient.diagnosis}
    treatments = {}
    for name, value in values.items():
        if is_treatment(name):
            treatments[therapy_of(name)] = value
        else:
            out[name] = value
    out["treatments"] = treatments
    return out


def semantic_diff(
    old: Catalogue,
    new: Catalogue,
    *,
    scenarios: Iterable[Any] = (),
    engine: str = "reference",
    old_label: str = "OLD",
    new_label: str = "NEW",
) -> DiffReport:
    """Every patient whose recommendation changes between ``old`` and ``new``, grouped by rules."""
    report = DiffReport(old_label, new_label)
    report.only_old = sorted(d for d in old.pathways if d not in new.pathways)
    report.only_new = sorted(d for d in new.pathways if d not in old.pathways)
    groups: dict[tuple, ChangeGroup] = {}
    with Evaluator(old, engine=engine) as before, Evaluator(new, engine=engine) as after:
        for diagnosis in sorted(set(old.pathways) | set(new.pathways)):
            space = _space(diagnosis, old, new)
            compared = 0
            for values in enumerate_space(space, f"the fact space of {diagnosis}"):
                patient = example_patient(values, diagnosis, DIFF_BASE, vocab=new.vocabulary)
                _record(groups, diagnosis, _outcome(before, patient), _outcome(after, patient), patient, None)
                compared += 1
            report.compared[diagnosis] = compared
        for scenario in scenarios:
            patient = scenario.patient
            label = f"{scenario.where}: {scenario.name}"
            report.compared[patient.diagnosis] = report.compared.get(patient.diagnosis, 0) + 1
            _record(groups, patient.diagnosis, _outcome(before, patient), _outcome(after, patient),
                    _scenario_example(patient), label)
    report.groups = sorted(groups.values(), key=lambda g: (g.diagnosis, g.old_rule, g.new_rule))
    return report
