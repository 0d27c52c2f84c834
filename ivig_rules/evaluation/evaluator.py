"""The evaluation loop: validated patient -> compiled pathway -> engine -> recommendation."""

from __future__ import annotations

from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from ..loading.catalogue import load_catalogue
from ..logic.compiler import CompiledPathway, compiled_for, fact_of_key
from .dosing import DEFAULT_WEIGHT_POLICY, WEIGHT_POLICIES
from ..engines import DEFAULT_ENGINE, Engine, make_engine
from ..errors import InputError, PatientError, did_you_mean
from ..model import Catalogue, Patient
from ..model.facts import DIAGNOSIS
from ..loading.patient import patient_from_mapping
from .recommend import resolve_shaped
from .recommendation import Recommendation
from .ruled_out import RULED_OUT, needs_next_step, patient_with_ivig_ruled_out, with_next_step

__all__ = ["Evaluator"]

_MAX_CACHED_SETS = 10_000


@dataclass(frozen=True)
class _Ready:
    """A diagnosis's compiled pathway, how to read the facts its rules test, and its resolution cache."""

    compiled: CompiledPathway
    values: Callable[[Mapping[str, Any]], dict | None]  # the engine facts from the patient's (None: one is missing)
    resolved: dict


def _engine_facts_reader(keys: tuple[str, ...], names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], dict | None]:
    """``read(patient_facts)``: the engine facts of one pathway as one generated dict display, or
    None when a fact is missing (None). Only the keys and names, written through ``repr``, are code."""
    lines = ["def read(f):"]
    lines += [f"    v{i} = f[{name!r}]" for i, name in enumerate(names)]
    if names:
        lines += [f"    if {' or '.join(f'v{i} is None' for i in range(len(names)))}:", "        return None"]
    lines.append("    return {" + ", ".join(f"{key!r}: v{i}" for i, key in enumerate(keys)) + "}")
    namespace: dict[str, Any] = {"__builtins__": {}}
    exec(compile("\n".join(lines), "<ivig-rules engine facts>", "exec"), namespace)  # noqa: S102 - repr'd names only
    return namespace["read"]


class Evaluator:
    """Evaluates patients against a catalogue with one engine; holds no global state.

    Use it as a context manager (or call :meth:`close`) to release the engine.
    """

    def __init__(
        self,
        catalogue: Catalogue | str | Path | None = None,
        *,
        engine: str | Engine = DEFAULT_ENGINE,
        weight_policy: str = DEFAULT_WEIGHT_POLICY,
    ) -> None:
        if weight_policy not in WEIGHT_POLICIES:
            raise InputError(
                f"unknown weight policy {weight_policy!r}; policies are: {', '.join(WEIGHT_POLICIES)}.",
                suggestion=did_you_mean(weight_policy, WEIGHT_POLICIES),
            )
        self.catalogue = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
        self.engine: Engine = make_engine(engine) if isinstance(engine, str) else engine
        self.weight_policy = weight_policy
        self._vocabulary = self.catalogue.vocabulary
        self._engine_name = self.engine.name
        self._resolved: dict[str, dict] = {}  # diagnosis -> what resolve keeps per set of fired rules
        self._ready: dict[str, _Ready] = {}  # diagnosis -> what evaluate needs, looked up once per patient
        check = getattr(self.engine, "check", None)
        if check is not None:  # an engine with limits refuses what it cannot run now, not at the Nth patient
            for diagnosis in self.catalogue.pathways:
                check(self.compiled(diagnosis))

    @property
    def vocabulary(self):
        return self.catalogue.vocabulary

    def compiled(self, diagnosis: str) -> CompiledPathway:
        """The diagnosis's compiled pathway, compiled once per catalogue (shared by its evaluators)."""
        return compiled_for(self.catalogue, diagnosis)

    def evaluate(self, patient: Patient | Mapping[str, Any]) -> Recommendation:
        return self.evaluate_shaped(patient)[0]

    def evaluate_shaped(self, patient: Patient | Mapping[str, Any]) -> tuple[Recommendation, object | None]:
        """The recommendation and its shape (:func:`~ivig_rules.evaluation.recommend.resolve_shaped`),
        or None for a recommendation without one (the screening ruled IVIG out and the pathway's
        next step was added to it)."""
        if not isinstance(patient, Patient):
            patient = patient_from_mapping(patient, self.vocabulary)
        try:
            ready = self._ready.get(patient.facts[DIAGNOSIS])
        except (KeyError, TypeError):  # no or an odd diagnosis: _prepare says what is wrong
            ready = None
        if ready is None:
            ready = self._prepare(patient)
        compiled = ready.compiled
        try:  # every fact the rules read, by one generated function; a missing one takes the checked way
            facts = ready.values(patient.facts)
        except (KeyError, TypeError):
            facts = None
        if facts is None:
            facts = compiled.engine_facts(patient)
        matched = self.engine.match(compiled, facts)
        cache = ready.resolved
        if len(cache) > _MAX_CACHED_SETS:  # a bound, never reached by the shipped pathways
            cache.clear()
        result, shape = resolve_shaped(
            compiled, matched, patient, self._vocabulary, engine=self._engine_name,
            weight_policy=self.weight_policy, cache=cache,
        )
        # the screening ruled IVIG out: what does the pathway give then? (the verdict first: most are not)
        if result.ivig == RULED_OUT and needs_next_step(result, patient):
            asked_again = self.evaluate(patient_with_ivig_ruled_out(patient))
            return with_next_step(result, asked_again, compiled.pathway), None
        return result, shape

    def _prepare(self, patient: Patient) -> "_Ready":
        """The compiled pathway of this patient's diagnosis and what evaluate keeps with it (or the error)."""
        if patient.diagnosis not in self.catalogue.pathways:
            raise PatientError(
                f"no pathway in {self.catalogue.root} covers the diagnosis {patient.diagnosis!r}; "
                f"covered: {', '.join(sorted(self.catalogue.pathways))}.",
                file=patient.source,
                line=patient.line,
                key="diagnosis",
            )
        compiled = self.compiled(patient.diagnosis)
        keys = tuple(compiled.keys)
        names = tuple(fact_of_key(key) for key in keys)
        ready = _Ready(compiled, _engine_facts_reader(keys, names), self._resolved.setdefault(patient.diagnosis, {}))
        self._ready[patient.diagnosis] = ready
        return ready

    def evaluate_many(self, patients: Iterable[Patient | Mapping[str, Any]]) -> list[Recommendation]:
        """Evaluate patients one by one (an empty input gives an empty list, never an engine call)."""
        return [self.evaluate(p) for p in patients]

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
