"""Reads one patient's FHIR R4 resources into patient facts, following ``rulesets/fhir.yaml``.

Plain JSON in (a Bundle, or the resources of a CDS Hooks prefetch), so that reading costs
microseconds; every element read is type-checked and a wrong one is refused with its JSON path.
What the record states becomes a fact with its source (``Observation/w1``); what it does not
state is listed as not recorded (the vocabulary's default then applies, as for a YAML patient
that leaves the fact out); what it mentions but cannot tell (a finished therapy without an
outcome) is listed as unknown, and :func:`ivig_rules.fhir.evaluate.patient_from_reading`
refuses to answer when a rule of the pathway reads it. Nothing is guessed.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..model import Vocabulary
from ..model.facts import is_treatment, therapy_of, treatment_fact
from ..loading.patient import normalise_number
from .errors import FhirError
from .mapping import CodeSet, FhirMapping

__all__ = ["FhirReading", "OrderInfo", "read_bundle", "read_resources", "is_bundle", "bundle_resources",
           "fact_source_types"]

_OBSERVATION_FINAL = frozenset({"final", "amended", "corrected"})
_SEVERITY_ORDER = {"contraindicated": 0, "intolerant": 1, "failed": 2, "ongoing": 3, "responded": 4}
_MAX_RESOURCES = 5000


def is_bundle(data: Any) -> bool:
    return isinstance(data, dict) and data.get("resourceType") == "Bundle"


@dataclass(frozen=True)
class OrderInfo:
    """The IVIG MedicationRequest being ordered (draft), as far as the checks need it."""

    reference: str
    path: str
    status: str | None
    dose_g: float | None  # per administration, in grams
    dose_g_per_kg: float | None
    dose_text: str | None
    resource: dict = field(compare=False, repr=False)


@dataclass
class FhirReading:
    facts: dict[str, Any]
    sources: dict[str, str]
    not_recorded: list[str]
    unknown: dict[str, str]
    warnings: list[str]
    orders: list[OrderInfo]
    as_of: str

    def to_dict(self) -> dict:
        return {
            "format": "fhir",
            "as_of": self.as_of,
            "sources": dict(sorted(self.sources.items())),
            "not_recorded": sorted(self.not_recorded),
            "unknown": dict(sorted(self.unknown.items())),
            "warnings": list(self.warnings),
            "orders": [o.reference for o in self.orders],
        }


# -- typed access ---------------------------------------------------------------------------


class _Res:
    """One resource and where it sits, with typed getters that fail with the JSON path."""

    __slots__ = ("data", "path", "file", "type", "id", "ref", "full_url", "_concepts", "_statuses", "_sort")

    def __init__(self, data: Any, path: str, file: str | None, full_url: str | None = None) -> None:
        self.full_url = full_url
        self._concepts: dict[str, tuple] = {}
        self._statuses: dict[str, str | None] = {}
        self._sort: tuple[str, str] | None = None
        if not isinstance(data, dict):
            raise FhirError(f"a resource is a JSON object, found {_kind(data)}", file=file, key=path)
        self.data = data
        self.path = path
        self.file = file
        kind = data.get("resourceType")
        if not isinstance(kind, str) or not kind:
            raise FhirError("a resource needs a resourceType", file=file, key=path)
        self.type = kind
        rid = data.get("id")
        if rid is not None and (not isinstance(rid, str) or not 0 < len(rid) <= 64):
            raise FhirError(f"id must be text of 1 to 64 characters, found {_kind(rid)}", file=file, key=f"{path}.id")
        self.id = rid
        self.ref = f"{kind}/{rid}" if rid else f"{kind} at {path}"

    def fail(self, message: str, key: str | None = None) -> FhirError:
        return FhirError(f"{self.ref}: {message}", file=self.file, key=f"{self.path}.{key}" if key else self.path)

    def get(self, key: str, kind: type | tuple, obj: dict | None = None, where: str | None = None) -> Any:
        value = (self.data if obj is None else obj).get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool) and bool not in _tuple(kind)):
            raise self.fail(f"{key} must be {_names(kind)}, found {_kind(value)}", where or key)
        return value

    def text(self, key: str, obj: dict | None = None, where: str | None = None) -> str | None:
        value = self.get(key, str, obj, where)
        if value is not None and len(value) > 1000:
            raise self.fail(f"{key} is longer than 1000 characters", where or key)
        return value

    def codings(self, concept: Any, where: str) -> list[tuple[Any, Any]]:
        """(system, code) pairs of a CodeableConcept."""
        if concept is None:
            return []
        if not isinstance(concept, dict):
            raise self.fail(f"expected a CodeableConcept (an object), found {_kind(concept)}", where)
        codings = concept.get("coding")
        if codings is None:
            return []
        if not isinstance(codings, list):
            raise self.fail(f"coding must be a list, found {_kind(codings)}", f"{where}.coding")
        out = []
        for index, coding in enumerate(codings):
            if not isinstance(coding, dict):
                raise self.fail(f"a Coding is an object, found {_kind(coding)}", f"{where}.coding[{index}]")
            system, code = coding.get("system"), coding.get("code")
            for name, value in (("system", system), ("code", code)):
                if value is not None and not isinstance(value, str):
                    raise self.fail(f"{name} must be text, found {_kind(value)}", f"{where}.coding[{index}].{name}")
            out.append((system, code))
        return out

    def concepts(self, key: str) -> tuple[tuple[Any, Any], ...]:
        """Codings of a CodeableConcept or a list of them at ``key`` (read once per resource)."""
        found = self._concepts.get(key)
        if found is None:
            found = self._concepts[key] = tuple(self._read_concepts(key))
        return found

    def _read_concepts(self, key: str) -> list[tuple[Any, Any]]:
        value = self.data.get(key)
        if isinstance(value, list):
            out = []
            for index, item in enumerate(value):
                out.extend(self.codings(item, f"{key}[{index}]"))
            return out
        return self.codings(value, key)

    def status_code(self, key: str) -> str | None:
        """A CodeableConcept status such as Condition.clinicalStatus, as its first code (read once)."""
        if key in self._statuses:
            return self._statuses[key]
        pairs = self.codings(self.data.get(key), key)
        found = self._statuses[key] = next((code for _, code in pairs if code), None)
        return found

    def when(self) -> str:
        """The clinically relevant date of the resource, as sortable text ('' when none)."""
        for key in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "authoredOn", "issued",
                    "recordedDate", "dateAsserted", "onsetDateTime"):
            value = self.data.get(key)
            if value is not None:
                if not isinstance(value, str):
                    raise self.fail(f"{key} must be a date-time text, found {_kind(value)}", key)
                return value
        for key in ("effectivePeriod", "performedPeriod"):
            period = self.data.get(key)
            if isinstance(period, dict) and isinstance(period.get("start"), str):
                return period["start"]
        return ""

    def sort_key(self) -> tuple[str, str]:
        if self._sort is None:
            self._sort = (self.when(), self.id or "")
        return self._sort


def _tuple(kind: type | tuple) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple) -> str:
    names = {str: "text", int: "a number", float: "a number", dict: "an object", list: "a list", bool: "true or false"}
    return " or ".join(dict.fromkeys(names[k] for k in _tuple(kind)))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"[:60]
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:27] + "..."
        return f"text ({text!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- entry points ---------------------------------------------------------------------------


def bundle_resources(data: Any, file: str | None = None, prefix: str = "") -> Iterator[_Res]:
    """The resources of a Bundle, each with its JSON path."""
    if not is_bundle(data):
        found = data.get("resourceType") if isinstance(data, dict) else None
        raise FhirError(
            f"expected a FHIR Bundle (resourceType: Bundle), found {('a ' + found) if isinstance(found, str) else _kind(data)}",
            file=file, key=prefix or None,
        )
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise FhirError(f"entry must be a list, found {_kind(entries)}", file=file, key=f"{prefix}entry".lstrip("."))
    if len(entries) > _MAX_RESOURCES:
        raise FhirError(f"the Bundle has {len(entries):,} entries; at most {_MAX_RESOURCES:,} are read for one patient",
                        file=file, key=f"{prefix}entry")
    for index, entry in enumerate(entries):
        path = f"{prefix}entry[{index}]"
        if not isinstance(entry, dict):
            raise FhirError(f"a Bundle entry is an object, found {_kind(entry)}", file=file, key=path)
        resource = entry.get("resource")
        if resource is None:
            continue  # an entry without a resource (a deleted one in a history) says nothing
        full_url = entry.get("fullUrl")
        yield _Res(resource, f"{path}.resource", file, full_url if isinstance(full_url, str) else None)


def read_bundle(data: Any, mapping: FhirMapping, vocab: Vocabulary, *, file: str | None = None,
                as_of: _dt.date | None = None) -> FhirReading:
    """Read a Bundle holding one patient's resources."""
    resources = list(bundle_resources(data, file))
    timestamp = data.get("timestamp") if isinstance(data.get("timestamp"), str) else None
    return read_resources(resources, mapping, vocab, file=file, as_of=as_of, fallback_date=timestamp)


def read_resources(resources: Iterable[Any], mapping: FhirMapping, vocab: Vocabulary, *, file: str | None = None,
                   as_of: _dt.date | None = None, fallback_date: str | None = None,
                   drafts: Iterable[Any] = (), missing: Mapping[str, str] | None = None) -> FhirReading:
    """Read one patient's resources (``_Res`` or plain dicts) and any draft orders.

    ``missing`` maps resource types the caller could not supply (a CDS Hooks prefetch the EHR
    did not send) to why; a fact only those types could state is then unknown, not "not recorded".
    """
    items = [r if isinstance(r, _Res) else _Res(r, f"resource[{i}]", file) for i, r in enumerate(resources)]
    draft_items = [d if isinstance(d, _Res) else _Res(d, f"draftOrders[{i}]", file) for i, d in enumerate(drafts)]
    reading = _Reading(items, draft_items, mapping, vocab, file).read(as_of, fallback_date)
    if missing:
        for fact in list(reading.not_recorded):
            types = fact_source_types(fact, mapping)
            absent = [t for t in types if t in missing]
            if absent:  # a resource of an absent type could have stated it
                reading.not_recorded.remove(fact)
                reading.unknown[fact] = "; ".join(dict.fromkeys(missing[t] for t in absent))
    return reading


_MEDICATION_TYPES = ("MedicationStatement", "MedicationRequest", "MedicationAdministration", "Procedure")


def fact_source_types(fact: str, mapping: FhirMapping) -> tuple[str, ...]:
    """The resource types a fact can be read from (what a missing prefetch makes unknown)."""
    if is_treatment(fact):
        return _MEDICATION_TYPES
    if fact in ("age_years", "sex", "id"):
        return ("Patient",)
    if fact in mapping.observations:
        return ("Observation",)
    if fact == "iga":
        return ("Observation", "Condition")
    if fact == mapping.hypersensitivity_fact:
        return ("AllergyIntolerance",)
    return ("Condition",)


class _Reading:
    def __init__(self, items: list[_Res], drafts: list[_Res], mapping: FhirMapping, vocab: Vocabulary,
                 file: str | None) -> None:
        self.m = mapping
        self.vocab = vocab
        self.file = file
        self.by_type: dict[str, list[_Res]] = {}
        self.by_ref: dict[str, _Res] = {}
        for res in items:
            self.by_type.setdefault(res.type, []).append(res)
            if res.id:
                self.by_ref[f"{res.type}/{res.id}"] = res
            if res.full_url:
                self.by_ref[res.full_url] = res
        self.drafts = drafts
        self.facts: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.unknown: dict[str, str] = {}
        self.warnings: list[str] = []
        self._active_conditions: list[_Res] | None = None
        self._refuted_of: dict[str, list[_Res]] = {}

    def set(self, fact: str, value: Any, res: _Res | str) -> None:
        self.facts[fact] = value
        self.sources[fact] = res if isinstance(res, str) else res.ref

    def read(self, as_of: _dt.date | None, fallback_date: str | None) -> FhirReading:
        patient = self._patient()
        orders = self._orders()
        if as_of is None:
            authored = next((o.resource.get("authoredOn") for o in orders if isinstance(o.resource.get("authoredOn"), str)), None)
            as_of = _date_of(authored) or _date_of(fallback_date) or _dt.date.today()
        self._demographics(patient, as_of)
        self._diagnosis(orders)
        self._observations()
        self._iga()
        self._condition_facts()
        self._hypersensitivity()
        self._therapies()
        treatments = {therapy_of(k): v for k, v in self.facts.items() if is_treatment(k)}
        facts = {k: v for k, v in self.facts.items() if not is_treatment(k)}
        if treatments:
            facts["treatments"] = dict(sorted(treatments.items()))
        stated = set(self.facts) | set(self.unknown)
        not_recorded = [name for name in self.vocab.facts if name not in stated and name != "id"]
        not_recorded += [treatment_fact(t) for t in self.vocab.therapies if treatment_fact(t) not in stated]
        return FhirReading(facts, self.sources, not_recorded, self.unknown, self.warnings, orders, as_of.isoformat())

    # -- Patient ----------------------------------------------------------------------------
    def _patient(self) -> _Res:
        patients = self.by_type.get("Patient", [])
        if not patients:
            raise FhirError("the record has no Patient resource; age and sex come from Patient.birthDate and "
                            "Patient.gender", file=self.file)
        ids = {p.id for p in patients}
        if len(ids) > 1:
            raise FhirError(f"the record holds {len(ids)} different patients ({', '.join(sorted(map(str, ids)))}); "
                            "give one patient's resources at a time", file=self.file, key=patients[1].path)
        patient = patients[0]
        own = {f"Patient/{patient.id}"} | ({patient.full_url} if patient.full_url else set())
        for kind, items in self.by_type.items():
            if kind == "Patient":
                continue
            for res in items:
                self._check_subject(res, own)
        for res in self.drafts:
            self._check_subject(res, own)
        return patient

    def _check_subject(self, res: _Res, own: set[str]) -> None:
        for key in ("subject", "patient"):
            ref = res.data.get(key)
            if ref is None:
                continue
            if not isinstance(ref, dict):
                raise res.fail(f"{key} must be a Reference (an object), found {_kind(ref)}", key)
            target = res.get("reference", str, ref, f"{key}.reference")
            if target is not None and target.startswith("Patient/") and target not in own:
                raise res.fail(f"{key} points to {target}, not to this record's patient ({', '.join(sorted(own))}); "
                               "give one patient's resources at a time", f"{key}.reference")

    def _demographics(self, patient: _Res, as_of: _dt.date) -> None:
        if patient.id:
            self.set("id", patient.id, patient)
        gender = patient.text("gender")
        if gender in ("female", "male"):
            self.set("sex", gender, patient)
        else:
            shown = "no gender" if gender is None else f"gender {gender!r}"
            raise patient.fail(f"the record has {shown}; the rules and the Devine ideal-weight formula need "
                               "female or male (record it in Patient.gender)", "gender")
        birth = patient.text("birthDate")
        if birth is None:
            raise patient.fail("no birthDate; the rules need the patient's age", "birthDate")
        born = _full_date(birth)
        if born is None:
            raise patient.fail(f"birthDate {birth!r} is not a full date (YYYY-MM-DD); the age cannot be computed "
                               "exactly and is not guessed", "birthDate")
        if born > as_of:
            raise patient.fail(f"birthDate {birth} is after the date of evaluation {as_of.isoformat()}", "birthDate")
        months = (as_of.year - born.year) * 12 + (as_of.month - born.month) - (1 if as_of.day < born.day else 0)
        age = months // 12 if months >= 24 else normalise_number(months / 12)
        self.set("age_years", age, patient)

    # -- diagnosis --------------------------------------------------------------------------
    def _active(self, res: _Res) -> bool:
        verification = res.status_code("verificationStatus")
        if verification in self.m.ignored_verification_statuses:
            return False
        clinical = res.status_code("clinicalStatus")
        return clinical is None or clinical in self.m.active_clinical_statuses

    def _conditions(self) -> list[_Res]:
        if self._active_conditions is None:
            self._active_conditions = sorted(
                (c for c in self.by_type.get("Condition", []) if self._active(c)), key=_Res.sort_key)
        return self._active_conditions

    def _diagnoses_of(self, res: _Res) -> list[str]:
        codings = res.concepts("code")
        if not self.m.diagnosis_codes.match(codings):
            return []
        clinical = res.status_code("clinicalStatus") or "active"
        found = []
        for diagnosis, dmap in self.m.diagnoses.items():
            for code, statuses in dmap.entries:
                if (statuses is None or clinical in statuses) and any(code.matches(s, c) for s, c in codings):
                    found.append(diagnosis)
                    break
        return found

    def _diagnosis(self, orders: list[OrderInfo]) -> None:
        conditions = self._conditions()
        all_codings = [pair for c in conditions for pair in c.concepts("code")]
        candidates: dict[str, _Res] = {}
        for res in conditions:
            for diagnosis in self._diagnoses_of(res):
                if self._requirements_met(diagnosis, all_codings):
                    candidates.setdefault(diagnosis, res)
        from_orders: dict[str, str] = {}
        for order in orders:
            res = _Res(order.resource, order.path, self.file)
            for diagnosis in self._order_reasons(res, all_codings):
                from_orders.setdefault(diagnosis, order.reference)
        if from_orders:
            if len(from_orders) > 1:
                raise FhirError(f"the IVIG orders give different reasons ({', '.join(sorted(from_orders))}); "
                                "one order, one diagnosis", file=self.file)
            diagnosis, ref = next(iter(from_orders.items()))
            self.set("diagnosis", diagnosis, ref)
            if diagnosis in candidates:
                self._diagnosis_facts(candidates[diagnosis])
            return
        for diagnosis in list(candidates):
            for lower in self.m.diagnoses[diagnosis].outranks:
                candidates.pop(lower, None)
        if not candidates:
            coded = sorted({f"{s}|{c}" for s, c in all_codings if c})[:6]
            listed = f" (coded: {', '.join(coded)})" if coded else ""
            raise FhirError(
                "no active Condition names a diagnosis a pathway covers" + listed + "; the codes for each "
                "diagnosis are in rulesets/fhir.yaml (diagnoses), and an IVIG order's reasonCode may name it",
                file=self.file,
            )
        if len(candidates) > 1:
            raise FhirError(
                f"the record has Conditions for several pathways ({', '.join(sorted(candidates))}); name the one being "
                "treated in the IVIG order's reasonReference or reasonCode, or rank them with 'outranks' in fhir.yaml",
                file=self.file,
            )
        diagnosis, res = next(iter(candidates.items()))
        self.set("diagnosis", diagnosis, res)
        self._diagnosis_facts(res)

    def _requirements_met(self, diagnosis: str, all_codings: list) -> bool:
        required = self.m.diagnoses[diagnosis].requires_also
        return not required or required.match(all_codings) is not None

    def _order_reasons(self, order: _Res, all_codings: list) -> list[str]:
        reasons: list[str] = []
        codings = list(order.concepts("reasonCode"))
        refs = order.get("reasonReference", list) or []
        for index, ref in enumerate(refs):
            if not isinstance(ref, dict):
                raise order.fail(f"a Reference is an object, found {_kind(ref)}", f"reasonReference[{index}]")
            target = order.get("reference", str, ref, f"reasonReference[{index}].reference")
            if target is None:
                continue
            res = self.by_ref.get(target)
            if res is None:
                self.warnings.append(f"{order.ref}: reasonReference {target} is not in the record; ignored")
                continue
            codings.extend(res.concepts("code"))
        if not codings:
            return reasons
        pseudo = {"resourceType": "Condition", "code": {"coding": [{"system": s, "code": c} for s, c in codings]}}
        for diagnosis in self._diagnoses_of(_Res(pseudo, order.path, self.file)):
            if self._requirements_met(diagnosis, all_codings + codings):
                reasons.append(diagnosis)
        for diagnosis in list(reasons):
            for lower in self.m.diagnoses[diagnosis].outranks:
                if lower in reasons:
                    reasons.remove(lower)
        return reasons

    def _diagnosis_facts(self, res: _Res) -> None:
        clinical = res.status_code("clinicalStatus")
        if self.m.severe_codes and res.data.get("severity") is not None:
            self.set("severe", bool(self.m.severe_codes.match(res.codings(res.data["severity"], "severity"))), res)
        if clinical in self.m.recurrent_clinical_statuses:
            self.set("recurrent", True, res)
        if clinical in self.m.exacerbation_clinical_statuses:
            self.set("exacerbation", True, res)

    # -- observations -----------------------------------------------------------------------
    def _latest_all(self, codes: CodeSet, resource_type: str = "Observation") -> list[_Res]:
        """The final measurements with these codes taken at the latest time: usually one; more than
        one when a record holds two on the same date, which only the values can tell apart."""
        found: list[_Res] = []
        for res in self.by_type.get(resource_type, []):
            status = res.text("status")
            if status not in _OBSERVATION_FINAL:
                continue
            if codes.match(res.concepts("code")) is None:
                continue
            if not found or res.when() > found[0].when():
                found = [res]
            elif res.when() == found[0].when():
                found.append(res)
        return sorted(found, key=_Res.sort_key, reverse=True)

    def _measured(self, codes: CodeSet, units: dict, what: str) -> tuple[float, _Res] | None:
        """The latest value; two different values at the same latest time are refused, never one picked."""
        latest = self._latest_all(codes)
        if not latest:
            return None
        values = [(self._quantity(res, units), res) for res in latest]
        first_value, first = values[0]
        for value, res in values[1:]:
            if round(value, 4) != round(first_value, 4):
                raise first.fail(
                    f"this and {res.ref} both give the latest {what} at {first.when() or 'no stated time'} "
                    f"but differ ({normalise_number(round(first_value, 2))} and {normalise_number(round(value, 2))}); "
                    "ivig-rules does not choose between them: correct the record or mark one entered-in-error",
                    "valueQuantity.value",
                )
        return first_value, first

    def _quantity(self, res: _Res, units: dict) -> float:
        quantity = res.get("valueQuantity", dict)
        if quantity is None:
            raise res.fail("no valueQuantity; a measurement needs a value and a UCUM unit", "valueQuantity")
        value = res.get("value", (int, float), quantity, "valueQuantity.value")
        if value is None or isinstance(value, bool):
            raise res.fail("valueQuantity has no value", "valueQuantity.value")
        system = res.text("system", quantity, "valueQuantity.system")
        code = res.text("code", quantity, "valueQuantity.code")
        ucum = self.m.system_url("ucum") if "ucum" in self.m.systems else "http://unitsofmeasure.org"
        if system is not None and system != ucum:
            raise res.fail(f"the unit must be a UCUM code (system {ucum}), found the system {system!r}", "valueQuantity.system")
        if code is None:
            raise res.fail(f"valueQuantity has no UCUM unit code; expected one of {', '.join(units)}", "valueQuantity.code")
        if code not in units:
            raise res.fail(f"the unit {code!r} is not one this fact is read in; expected one of {', '.join(units)} "
                           "(add a factor in rulesets/fhir.yaml to read another)", "valueQuantity.code")
        if value != value or value in (float("inf"), float("-inf")):
            raise res.fail("the value is not a finite number", "valueQuantity.value")
        return float(value) * units[code]

    def _observations(self) -> None:
        for fact, qmap in self.m.observations.items():
            measured = self._measured(qmap.codes, qmap.units, fact)
            if measured is not None:
                value, res = measured
                self.set(fact, normalise_number(round(value, 4)), res)

    def _iga(self) -> None:
        iga = self.m.iga
        measured = self._measured(iga.codes, iga.units, "serum IgA")
        if measured is not None:
            value, res = measured
            self.set("iga", "deficient" if value < iga.deficient_below else "normal", res)
        if iga.deficient_conditions:
            for cond in self._conditions():
                if iga.deficient_conditions.match(cond.concepts("code")):
                    self.set("iga", "deficient", cond)
                    break

    def _condition_facts(self) -> None:
        conditions = self._conditions()
        for fact, codes in self.m.conditions.items():
            if not codes or fact in self.facts and self.facts[fact] is True:
                continue
            for cond in conditions:
                if codes.match(cond.concepts("code")):
                    self.set(fact, True, cond)
                    break
            else:
                self._refuted(fact, codes, "Condition")

    def _refuted(self, fact: str, codes, kind: str) -> None:
        """A safety fact that may be unknown reads false only where the record rules it out: a
        matching resource whose verificationStatus is refuted. Nothing recorded stays unknown."""
        spec = self.vocab.facts.get(fact)
        if spec is None or not spec.allows_unknown or fact in self.facts:
            return
        for res in self._refuted_resources(kind):
            if codes.match(res.concepts("code")):
                self.set(fact, False, res)
                return

    def _refuted_resources(self, kind: str) -> list[_Res]:
        """The resources of a type whose verificationStatus is refuted, oldest first (found once per record)."""
        found = self._refuted_of.get(kind)
        if found is None:
            ordered = sorted(self.by_type.get(kind, []), key=_Res.sort_key)
            found = self._refuted_of[kind] = [r for r in ordered if r.status_code("verificationStatus") == "refuted"]
        return found

    def _hypersensitivity(self) -> None:
        fact = self.m.hypersensitivity_fact
        for res in sorted(self.by_type.get("AllergyIntolerance", []), key=_Res.sort_key):
            if res.status_code("verificationStatus") in self.m.ignored_verification_statuses:
                continue
            if res.status_code("clinicalStatus") not in (None, "active"):
                continue
            if self.m.ivig_codes.match(res.concepts("code")):
                self.set(fact, True, res)
                return
        self._refuted(fact, self.m.ivig_codes, "AllergyIntolerance")

    # -- therapies --------------------------------------------------------------------------
    def _medication_codings(self, res: _Res) -> Sequence[tuple[Any, Any]]:
        if res.type == "Procedure":
            return res.concepts("code")
        if res.data.get("medicationCodeableConcept") is not None:
            return res.codings(res.data["medicationCodeableConcept"], "medicationCodeableConcept")
        ref = res.get("medicationReference", dict)
        if ref is None:
            return []
        target = res.get("reference", str, ref, "medicationReference.reference")
        if target and target.startswith("#"):
            for index, contained in enumerate(res.get("contained", list) or []):
                if isinstance(contained, dict) and contained.get("id") == target[1:]:
                    return _Res(contained, f"{res.path}.contained[{index}]", self.file).concepts("code")
        medication = self.by_ref.get(target or "")
        if medication is None:
            self.warnings.append(f"{res.ref}: medicationReference {target} is not in the record, so the medication "
                                 "is not known; it was not read")
            return []
        return medication.concepts("code")

    def _orders(self) -> list[OrderInfo]:
        """IVIG MedicationRequests in draft (the order being written), from the record and the drafts given."""
        out = []
        requests = list(self.drafts) + [r for r in self.by_type.get("MedicationRequest", [])
                                        if r.data.get("status") == "draft"]
        for res in requests:
            if res.type != "MedicationRequest":
                continue
            if res.data.get("status") is not None and res.text("status") != "draft" and res not in self.drafts:
                continue
            if self.m.ivig_codes.match(self._medication_codings(res)) is None:
                continue
            out.append(self._order_info(res))
        return out

    def _order_info(self, res: _Res) -> OrderInfo:
        dose_g = per_kg = None
        text = None
        dosages = res.get("dosageInstruction", list) or []
        if dosages:
            dosage = dosages[0]
            if not isinstance(dosage, dict):
                raise res.fail(f"a Dosage is an object, found {_kind(dosage)}", "dosageInstruction[0]")
            text = res.text("text", dosage, "dosageInstruction[0].text")
            rates = dosage.get("doseAndRate") or []
            if not isinstance(rates, list):
                raise res.fail("doseAndRate must be a list", "dosageInstruction[0].doseAndRate")
            if rates and isinstance(rates[0], dict) and rates[0].get("doseQuantity") is not None:
                where = "dosageInstruction[0].doseAndRate[0].doseQuantity"
                quantity = rates[0]["doseQuantity"]
                if not isinstance(quantity, dict):
                    raise res.fail(f"doseQuantity is a Quantity (an object), found {_kind(quantity)}", where)
                value = res.get("value", (int, float), quantity, f"{where}.value")
                code = res.text("code", quantity, f"{where}.code")
                if value is not None and code in self.m.order.dose_units:
                    dose_g = float(value) * self.m.order.dose_units[code]
                elif value is not None and code in self.m.order.per_kg_units:
                    per_kg = float(value) * self.m.order.per_kg_units[code]
                elif value is not None:
                    units = ", ".join([*self.m.order.dose_units, *self.m.order.per_kg_units])
                    raise res.fail(f"the dose unit {code!r} is not one the order check reads ({units})", f"{where}.code")
        return OrderInfo(res.ref, res.path, res.data.get("status"), dose_g, per_kg, text, res.data)

    def _therapies(self) -> None:
        rules = self.m.status
        found: dict[str, list[tuple[tuple[str, str], int, str | None, str, _Res]]] = {}
        for kind in ("MedicationStatement", "MedicationRequest", "MedicationAdministration", "Procedure"):
            for res in self.by_type.get(kind, []):
                codings = self._medication_codings(res)
                therapies = [t for t, codes in self.m.therapies.items() if codes.match(codings)]
                if not therapies:
                    continue
                status, why = self._status_of(res, rules)
                if status == "ignored":
                    continue
                for therapy in therapies:
                    rank = _SEVERITY_ORDER.get(status or "", -1)
                    found.setdefault(therapy, []).append((res.sort_key(), -rank, status, why, res))
        for therapy, items in found.items():
            items.sort(key=lambda item: (item[0], item[1]))
            _, _, status, why, res = items[-1]
            fact = treatment_fact(therapy)
            if status is None:
                self.unknown[fact] = why
            else:
                self.set(fact, status, res)

    def _status_of(self, res: _Res, rules) -> tuple[str | None, str]:
        for index, ext in enumerate(res.get("extension", list) or []):
            if isinstance(ext, dict) and ext.get("url") == rules.extension:
                code = ext.get("valueCode")
                if code not in self.vocab.statuses:
                    raise res.fail(f"the treatment-status extension's valueCode must be one of "
                                   f"{', '.join(self.vocab.statuses)}, found {_kind(code)}", f"extension[{index}].valueCode")
                return code, ""
        kind = "MedicationStatement" if res.type == "MedicationAdministration" else res.type
        status = res.text("status")
        if status is None:
            return None, f"{res.ref} has no status"
        if status in rules.ignored.get(kind, ()):
            # an order not carried out, or a procedure not done: its reason may still say contraindicated
            if status in ("not-done", "not-taken", "cancelled"):
                outcome = rules.outcome(self._reasons(res))
                if outcome == "contraindicated":
                    return outcome, ""
            return "ignored", ""
        if res.type == "MedicationRequest" and res.data.get("doNotPerform") is True:
            return ("contraindicated", "") if rules.outcome(self._reasons(res)) == "contraindicated" else ("ignored", "")
        if status in rules.ongoing.get(kind, ()):
            return "ongoing", ""
        outcome = rules.outcome(self._reasons(res))
        if outcome is None:
            return None, (f"{res.ref} is {status} but records no outcome (a statusReason or outcome code listed in "
                          f"fhir.yaml, or the extension {rules.extension})")
        return outcome, ""

    def _reasons(self, res: _Res) -> list[tuple[Any, Any]]:
        pairs = []
        for key in ("statusReason", "outcome", "reasonCode"):
            if res.data.get(key) is not None:
                pairs.extend(res.concepts(key))
        return pairs


def _full_date(text: str) -> _dt.date | None:
    if len(text) != 10:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def _date_of(text: str | None) -> _dt.date | None:
    if not isinstance(text, str) or len(text) < 10:
        return None
    return _full_date(text[:10])
