"""Loads ``rulesets/fhir.yaml``: which codes, units and resource states mean which patient facts.

Checked against the data dictionary when loaded (every fact, therapy, status and diagnosis it
names must exist, with the right type), with file:line:key errors like every other ruleset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from ..loading import marked_yaml
from ..loading.cursor import Keys, Node, root
from ..loading.catalogue import find_rulesets
from ..errors import SchemaError
from ..model import Vocabulary, frozen_map

__all__ = ["Code", "CodeSet", "DiagnosisMap", "QuantityMap", "IgaMap", "StatusRules", "OrderRules", "FhirMapping",
           "load_mapping", "MAPPING_FILE", "RESOURCE_TYPES_WITH_STATUS"]

MAPPING_FILE = "fhir.yaml"
RESOURCE_TYPES_WITH_STATUS = ("MedicationStatement", "MedicationRequest", "Procedure")
CLINICAL_STATUSES = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
VERIFICATION_STATUSES = ("unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error")
RESOURCE_STATUSES = MappingProxyType({
    "MedicationStatement": ("active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"),
    "MedicationRequest": ("active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"),
    "Procedure": ("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"),
})

# -- the keys of each mapping of fhir.yaml (the JSON Schemas are built from them)
MAPPING = Keys(
    ("fhir_mapping", "systems", "diagnoses", "observations", "iga", "conditions", "therapies",
     "treatment_status", "order", "hypersensitivity_fact"),
    ("active_clinical_statuses", "ignored_verification_statuses", "diagnosis_condition"),
    "a FHIR mapping file",
)
MAPPING_HEADER = Keys(("version",), ("fhir_version", "notes"))
SYSTEM = Keys(("url",), ("hierarchical",))
CODE = Keys(("system", "code"), ("display", "verified"), "a code")
DIAGNOSIS_CODE = Keys(CODE.required, (*CODE.optional, "clinical_status"), "a code")
DIAGNOSIS = Keys(("codes",), ("requires_also", "outranks", "notes"))
OBSERVATION = Keys(("codes", "units"))
DIAGNOSIS_CONDITION = Keys((), ("severe_codes", "recurrent_clinical_statuses", "exacerbation_clinical_statuses"))
IGA = Keys(("observation_codes", "units", "deficient_below", "unit"), ("deficient_conditions", "notes"))
TREATMENT_STATUS = Keys(("extension", "ongoing", "ignored", "outcomes"))
STATUSES_BY_TYPE = Keys((), RESOURCE_TYPES_WITH_STATUS)
ORDER = Keys(("dose_units", "per_kg_units", "tolerance_percent"))
DEFAULT_ACTIVE = ("active", "recurrence", "relapse")
DEFAULT_IGNORED_VERIFICATION = ("refuted", "entered-in-error")


@dataclass(frozen=True)
class Code:
    system: str  # the code system's URL
    code: str
    display: str = ""
    hierarchical: bool = False
    verified: bool = True

    def matches(self, system: Any, code: Any) -> bool:
        if system != self.system or not isinstance(code, str):
            return False
        return code == self.code or (self.hierarchical and code.startswith(self.code))

    def coding(self) -> dict:
        out = {"system": self.system, "code": self.code}
        if self.display:
            out["display"] = self.display
        return out


@dataclass(frozen=True)
class CodeSet:
    codes: tuple[Code, ...] = ()
    _index: Any = field(default=None, compare=False, repr=False)
    _hierarchical: frozenset = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Code] = {}
        for listed in self.codes:  # the first listed code wins, as in a linear scan
            index.setdefault((listed.system, listed.code), listed)
        object.__setattr__(self, "_index", MappingProxyType(index))
        object.__setattr__(self, "_hierarchical", frozenset(c.system for c in self.codes if c.hierarchical))

    def match(self, codings: Iterable[tuple[Any, Any]]) -> Code | None:
        """A listed code that one of the (system, code) pairs matches (hierarchical systems: by prefix)."""
        index = self._index
        for system, code in codings:
            if not isinstance(code, str):
                continue
            found = index.get((system, code))
            if found is not None:
                return found
            if system not in self._hierarchical:
                continue
            for cut in range(len(code) - 1, 0, -1):  # a hierarchical parent: G61.81 -> G61.8 -> G61. -> G61
                found = index.get((system, code[:cut]))
                if found is not None and found.hierarchical:
                    return found
        return None

    def __bool__(self) -> bool:
        return bool(self.codes)


@dataclass(frozen=True)
class DiagnosisMap:
    diagnosis: str
    entries: tuple[tuple[Code, frozenset[str] | None], ...]  # code, clinical statuses it needs (None: any active)
    requires_also: CodeSet = CodeSet()
    outranks: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class QuantityMap:
    fact: str
    codes: CodeSet
    units: Mapping[str, float]


@dataclass(frozen=True)
class IgaMap:
    codes: CodeSet
    units: Mapping[str, float]
    deficient_below: float
    unit: str
    deficient_conditions: CodeSet


@dataclass(frozen=True)
class StatusRules:
    extension: str
    ongoing: Mapping[str, frozenset[str]]
    ignored: Mapping[str, frozenset[str]]
    outcomes: tuple[tuple[str, CodeSet], ...]

    def outcome(self, codings: list[tuple[Any, Any]]) -> str | None:
        for status, codes in self.outcomes:
            if codes.match(codings):
                return status
        return None


@dataclass(frozen=True)
class OrderRules:
    dose_units: Mapping[str, float]
    per_kg_units: Mapping[str, float]
    tolerance_percent: float


@dataclass(frozen=True)
class FhirMapping:
    version: str
    systems: Mapping[str, Code]  # short name -> a Code holding only the URL and hierarchy
    active_clinical_statuses: frozenset[str]
    ignored_verification_statuses: frozenset[str]
    diagnoses: Mapping[str, DiagnosisMap]
    observations: Mapping[str, QuantityMap]
    iga: IgaMap
    conditions: Mapping[str, CodeSet]
    severe_codes: CodeSet
    recurrent_clinical_statuses: frozenset[str]
    exacerbation_clinical_statuses: frozenset[str]
    hypersensitivity_fact: str
    therapies: Mapping[str, CodeSet]
    status: StatusRules
    order: OrderRules
    notes: str = ""
    file: str | None = field(default=None, compare=False)

    @property
    def diagnosis_codes(self) -> CodeSet:
        """Every code any diagnosis lists: a quick test before the per-diagnosis one."""
        return self._diagnosis_codes

    _diagnosis_codes: CodeSet = field(default=CodeSet(), compare=False, repr=False)

    def __post_init__(self) -> None:
        codes = tuple(code for d in self.diagnoses.values() for code, _ in d.entries)
        object.__setattr__(self, "_diagnosis_codes", CodeSet(codes))

    @property
    def ivig_codes(self) -> CodeSet:
        return self.therapies["ivig"]

    def system_url(self, name: str) -> str:
        return self.systems[name].system


def load_mapping(vocab: Vocabulary, folder: str | Path | None = None) -> FhirMapping:
    """Read and check ``fhir.yaml`` of a rulesets folder (default: the one commands use)."""
    path = find_rulesets(folder) / MAPPING_FILE
    if not path.is_file():
        raise SchemaError(
            "the rulesets folder has no fhir.yaml, which FHIR input needs (copy the project's rulesets/fhir.yaml)",
            file=str(path),
        )
    doc = root(marked_yaml.read_file(path), str(path))
    return _Loader(vocab).load(doc)


class _Loader:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.systems: dict[str, Code] = {}

    def load(self, doc: Node) -> FhirMapping:
        doc.mapping(MAPPING)
        head = doc.child("fhir_mapping").mapping(MAPPING_HEADER)
        version = head.child("version").text(max_length=40)
        if head.get("fhir_version") is not None and not head.child("fhir_version").text().startswith("4."):
            raise head.child("fhir_version").error("this reader reads FHIR R4 (4.x) records")
        notes = head.child("notes").text() if head.get("notes") else ""
        for name, node in doc.child("systems").mapping(what="code systems").items():
            node.mapping(SYSTEM)
            url = node.child("url").text(max_length=300)
            hierarchical = node.child("hierarchical").boolean() if node.get("hierarchical") is not None else False
            self.systems[name] = Code(url, "", name, hierarchical)
        active = self._statuses(doc, "active_clinical_statuses", CLINICAL_STATUSES, DEFAULT_ACTIVE)
        ignored_verification = self._statuses(
            doc, "ignored_verification_statuses", VERIFICATION_STATUSES, DEFAULT_IGNORED_VERIFICATION
        )
        diagnoses = self._diagnoses(doc.child("diagnoses"))
        observations = {}
        for fact, node in doc.child("observations").mapping(what="observation facts").items():
            self._fact(node, fact, "number")
            node.mapping(OBSERVATION)
            observations[fact] = QuantityMap(fact, self._codes(node.child("codes")), self._units(node.child("units")))
        iga = self._iga(doc.child("iga"))
        conditions = {}
        for fact, node in doc.child("conditions").mapping(what="condition facts").items():
            self._fact(node, fact, "boolean")
            conditions[fact] = self._codes(node, allow_empty=True)
        severe, recurrent, exacerbation = CodeSet(), frozenset(), frozenset()
        if doc.get("diagnosis_condition") is not None:
            dc = doc.child("diagnosis_condition").mapping(DIAGNOSIS_CONDITION)
            if dc.get("severe_codes") is not None:
                self._fact(dc.child("severe_codes"), "severe", "boolean")
                severe = self._codes(dc.child("severe_codes"))
            recurrent = self._statuses(dc, "recurrent_clinical_statuses", CLINICAL_STATUSES, ())
            exacerbation = self._statuses(dc, "exacerbation_clinical_statuses", CLINICAL_STATUSES, ())
            if recurrent:
                self._fact(dc.child("recurrent_clinical_statuses"), "recurrent", "boolean")
            if exacerbation:
                self._fact(dc.child("exacerbation_clinical_statuses"), "exacerbation", "boolean")
        hyper_node = doc.child("hypersensitivity_fact")
        hypersensitivity = hyper_node.text(max_length=80)
        self._fact(hyper_node, hypersensitivity, "boolean")
        therapies = {}
        for therapy, node in doc.child("therapies").mapping(what="therapies").items():
            if therapy not in self.vocab.therapies:
                from ..errors import did_you_mean

                raise node.error(
                    f"unknown therapy {therapy!r}; therapies are: {', '.join(self.vocab.therapies)}.",
                    suggestion=did_you_mean(therapy, self.vocab.therapies),
                )
            therapies[therapy] = self._codes(node, allow_empty=True)
        if not therapies.get("ivig"):
            raise doc.child("therapies").error("therapies.ivig needs at least one code: it identifies an IVIG order")
        return FhirMapping(
            version=version,
            systems=frozen_map(self.systems),
            active_clinical_statuses=active,
            ignored_verification_statuses=ignored_verification,
            diagnoses=frozen_map(diagnoses),
            observations=frozen_map(observations),
            iga=iga,
            conditions=frozen_map(conditions),
            severe_codes=severe,
            recurrent_clinical_statuses=recurrent,
            exacerbation_clinical_statuses=exacerbation,
            hypersensitivity_fact=hypersensitivity,
            therapies=frozen_map(therapies),
            status=self._status(doc.child("treatment_status")),
            order=self._order(doc.child("order")),
            notes=notes,
            file=doc.file,
        )

    # -- pieces -----------------------------------------------------------------------------
    def _fact(self, node: Node, fact: str, kind: str) -> None:
        spec = self.vocab.facts.get(fact)
        if spec is None:
            from ..errors import did_you_mean

            raise node.error(f"unknown fact {fact!r}; facts are listed in vocabulary.yaml.",
                             suggestion=did_you_mean(fact, self.vocab.facts))
        if spec.type != kind:
            raise node.error(f"the fact {fact!r} is a {spec.type} fact; only {kind} facts can be read here")

    def _statuses(self, parent: Node, key: str, allowed: tuple[str, ...], default: tuple[str, ...]) -> frozenset[str]:
        node = parent.get(key)
        if node is None:
            return frozenset(default)
        return frozenset(item.choice(allowed, what="status") for item in node.seq(what="statuses"))

    def _code(self, node: Node) -> Code:
        node.mapping(CODE)
        system_name = node.child("system").choice(self.systems, what="code system")
        system = self.systems[system_name]
        code = node.child("code").value
        if isinstance(code, (int, float)) and not isinstance(code, bool):
            raise node.child("code").error(f"write the code as text in quotes (\"{code}\"): codes are not numbers")
        code = node.child("code").text(max_length=80).strip()
        display = node.child("display").text(max_length=300) if node.get("display") is not None else ""
        verified = node.child("verified").boolean() if node.get("verified") is not None else True
        return Code(system.system, code, display, system.hierarchical, verified)

    def _codes(self, node: Node, *, allow_empty: bool = False) -> CodeSet:
        items = node.seq(what="codes", nonempty=not allow_empty)
        return CodeSet(tuple(self._code(item) for item in items))

    def _units(self, node: Node) -> Mapping[str, float]:
        node.mapping(what="UCUM unit -> factor")
        units = {}
        for unit, factor in node.items():
            units[unit] = float(factor.number(minimum=0, exclusive_minimum=True))
        if not units:
            raise node.error("give at least one unit")
        return frozen_map(units)

    def _diagnoses(self, node: Node) -> dict[str, DiagnosisMap]:
        allowed = self.vocab.facts["diagnosis"].values
        out: dict[str, DiagnosisMap] = {}
        for diagnosis, child in node.mapping(what="diagnoses").items():
            if diagnosis not in allowed:
                from ..errors import did_you_mean

                raise child.error(f"unknown diagnosis {diagnosis!r}; diagnoses are: {', '.join(allowed)}.",
                                  suggestion=did_you_mean(diagnosis, allowed))
            child.mapping(DIAGNOSIS)
            entries = []
            for item in child.child("codes").seq(what="codes", nonempty=True):
                item.mapping(DIAGNOSIS_CODE)
                status_node = item.get("clinical_status")
                statuses = None
                if status_node is not None:
                    statuses = frozenset(s.choice(CLINICAL_STATUSES, what="clinical status") for s in status_node.seq())
                plain = {k: v for k, v in item.value.items() if k != "clinical_status"}
                marked = marked_yaml.MarkedDict(item.line)
                marked.update(plain)
                marked.key_lines.update(getattr(item.value, "key_lines", {}))
                entries.append((self._code(Node(marked, item.file, item.path, item.line)), statuses))
            requires = self._codes(child.child("requires_also")) if child.get("requires_also") is not None else CodeSet()
            outranks = ()
            if child.get("outranks") is not None:
                outranks = tuple(o.choice(allowed, what="diagnosis") for o in child.child("outranks").seq())
            notes = child.child("notes").text() if child.get("notes") is not None else ""
            out[diagnosis] = DiagnosisMap(diagnosis, tuple(entries), requires, outranks, notes)
        return out

    def _iga(self, node: Node) -> IgaMap:
        node.mapping(IGA)
        if "iga" not in self.vocab.facts or set(self.vocab.facts["iga"].values or ()) < {"normal", "deficient"}:
            raise node.error("the vocabulary has no iga fact with the values normal and deficient")
        units = self._units(node.child("units"))
        unit = node.child("unit").choice(units, what="unit")
        if units[unit] != 1:
            raise node.child("unit").error(f"the unit {unit!r} must have the factor 1 in 'units' (it is the unit the threshold is in)")
        conditions = self._codes(node.child("deficient_conditions"), allow_empty=True) if node.get("deficient_conditions") is not None else CodeSet()
        return IgaMap(self._codes(node.child("observation_codes")), units,
                      float(node.child("deficient_below").number(minimum=0, exclusive_minimum=True)), unit, conditions)

    def _status(self, node: Node) -> StatusRules:
        node.mapping(TREATMENT_STATUS)
        extension = node.child("extension").text(max_length=300)
        lists = {}
        for key in ("ongoing", "ignored"):
            by_type = {}
            for resource_type, child in node.child(key).mapping(STATUSES_BY_TYPE).items():
                by_type[resource_type] = frozenset(
                    s.choice(RESOURCE_STATUSES[resource_type], what=f"{resource_type} status") for s in child.seq()
                )
            lists[key] = frozen_map(by_type)
        outcomes = []
        for status, child in node.child("outcomes").mapping(what="status -> codes").items():
            if status not in self.vocab.statuses:
                from ..errors import did_you_mean

                raise child.error(f"unknown treatment status {status!r}; statuses are: {', '.join(self.vocab.statuses)}.",
                                  suggestion=did_you_mean(status, self.vocab.statuses))
            outcomes.append((status, self._codes(child)))
        return StatusRules(extension, lists["ongoing"], lists["ignored"], tuple(outcomes))

    def _order(self, node: Node) -> OrderRules:
        node.mapping(ORDER)
        return OrderRules(self._units(node.child("dose_units")), self._units(node.child("per_kg_units")),
                          float(node.child("tolerance_percent").number(minimum=0, maximum=100)))
