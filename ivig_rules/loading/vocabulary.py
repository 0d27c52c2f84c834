"""Reads the data dictionary (vocabulary.yaml) and the source registry (sources.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

from . import marked_yaml
from .cursor import Keys, Node, root
from ..model.citations import with_text
from ..model.facts import AGE, CORE_FACTS, ENGINE_TREATMENT_PREFIX
from ..errors import SchemaError, did_you_mean
from ..model import (
    DECIMALS,
    DOSE_LIMIT_FIELDS,
    LARGEST_NUMBER,
    SEVERITIES,
    AdviceSpec,
    AgeCheck,
    ConflictSpec,
    Position,
    VERDICTS,
    WEIGHT_MISSING,
    AlertSpec,
    Citation,
    FactSpec,
    Reference,
    Section,
    Source,
    Term,
    VaccineInterval,
    Vocabulary,
    frozen_map,
)
from .teaching import load_vocabulary_teaching
from ..model.teaching import VocabularyTeaching

__all__ = ["load_vocabulary", "load_sources", "parse_citations"]

_CITATION = re.compile(r"^(?P<source>[^\s\[\]#]+)(?:#(?P<section>[^\s\[\]#]+))?(?:\s*\[(?P<ref>\d+)\])?$")
FACT_TYPES = ("enum", "number", "boolean", "text")
REQUIRED_FACTS = tuple(core.name for core in CORE_FACTS)  # model/facts.py: the facts the code reads
SECTION_ID = re.compile(r"^[a-z][a-z0-9-]*$")
SOURCE_KINDS = ("seed", "external")

# -- the keys of each mapping of vocabulary.yaml and sources.yaml (the JSON Schemas are built from them)
SOURCES_FILE = Keys(("sources",))
SOURCE = Keys(
    ("id", "kind", "title"),
    ("short_title", "publisher", "authors", "published_in", "year", "url", "doi", "covers", "references", "sections"),
)
SECTION = Keys(("id", "title"), ("references",))
REFERENCE = Keys(("n", "authors", "title"), ("published_in", "year", "details", "doi", "url"))
VOCABULARY_FILE = Keys(
    ("vocabulary", "facts", "therapies", "statuses", "verdicts", "evidence_levels", "alerts", "dose_limits"),
    ("monitoring", "administration", "conflicts", "teaching", "age_plausibility"),
)
VOCABULARY_HEADER = Keys(("version",))
FACT = Keys(
    ("type", "description"),
    ("values", "minimum", "maximum", "exclusive_minimum", "default", "required", "unit", "max_length", "requires"),
)
TERM = Keys(("label",), ("description",))
STATUS_TERM = Keys(("label",), ("description", "not_for"))
STATUSES = Keys(("default", "values"))
ALERT = Keys(("severity", "message", "cite"), ("vaccine_intervals", "notes", "child_message"))
VACCINE_INTERVAL = Keys(("up_to_g_per_kg", "months"))
DOSE_LIMITS = Keys(DOSE_LIMIT_FIELDS)
AGE_CHECK = Keys(("fact", "value", "reason"), ("refuse_below", "refuse_from", "warn_below", "warn_from", "alert"))
LIMIT = Keys(("minimum", "maximum"))
ADVICE = Keys(("text", "cite"), ("notes",))
CONFLICT = Keys(("summary", "positions"), ("notes",))
POSITION = Keys(("says", "cite"))


def parse_citations(node: Node, sources: dict[str, Source] | None) -> tuple[Citation, ...]:
    """Read ``cite:``: one or more "SOURCE", "SOURCE [N]", "SOURCE#SECTION" or "SOURCE#SECTION [N]".

    Checked against the registry: the source exists; a source whose reference lists restart per
    section is cited with its section; the number exists in that list. Each citation carries
    its readable text (:func:`ivig_rules.model.citations.citation_text`).
    """
    out: list[Citation] = []
    for item in node.seq(what="citations", allow_single=True, nonempty=True):
        text = item.text(max_length=300).strip()
        match = _CITATION.match(text)
        if not match:
            raise item.error(f"a citation is written 'SOURCE', 'SOURCE [N]' or 'SOURCE#SECTION [N]', found {text!r}")
        source_id, section, ref = match["source"], match["section"], match["ref"]
        citation = Citation(source_id, int(ref) if ref is not None else None, section)
        if sources is not None:
            _check_citation(item, citation, sources)
            citation = with_text(citation, sources)
        if citation not in out:
            out.append(citation)
    return tuple(out)


def _check_citation(item: Node, citation: Citation, sources: dict[str, Source]) -> None:
    source = sources.get(citation.source)
    if source is None:
        raise item.error(
            f"unknown source {citation.source!r}; sources are listed in rulesets/sources.yaml.",
            suggestion=did_you_mean(citation.source, sources),
        )
    if source.sections and citation.section is None:
        raise item.error(
            f"{source.id} numbers its references per section, so a citation names its section: "
            f"'{source.id}#SECTION' with SECTION one of {', '.join(source.sections)}"
        )
    if citation.section is not None and citation.section not in source.sections:
        known = ", ".join(source.sections) if source.sections else "none (cite it without #SECTION)"
        raise item.error(
            f"{source.id} has no section {citation.section!r}; its sections are: {known}",
            suggestion=did_you_mean(citation.section, source.sections) if source.sections else None,
        )
    if citation.ref is not None:
        count = len(source.reference_list(citation.section))
        where = f"{source.id}#{citation.section}" if citation.section else source.id
        if not 1 <= citation.ref <= count:
            raise item.error(
                f"{where} numbers {count} references, so [{citation.ref}] does not exist"
                if count
                else f"{where} has no numbered references; cite it without [N]"
            )


def _references(node: Node | None) -> tuple[Reference, ...]:
    if node is None:
        return ()
    out = []
    for i, item in enumerate(node.seq(what="references (n, authors, title, ...)"), 1):
        item.mapping(REFERENCE)
        number = item.child("n").number(minimum=1, maximum=999, integer=True)
        if number != i:
            raise item.child("n").error(f"references are numbered 1, 2, 3 ... in order; expected {i}, found {number}")
        out.append(Reference(
            number=number,
            authors=item.child("authors").text(max_length=300),
            title=item.child("title").text(max_length=500),
            published_in=item.child("published_in").text(max_length=300) if item.get("published_in") else "",
            year=item.child("year").number(minimum=1800, maximum=2100, integer=True) if item.get("year") else None,
            details=str(item.child("details").value) if item.get("details") else "",
            doi=item.child("doi").text(max_length=200) if item.get("doi") else None,
            url=item.child("url").text(max_length=500) if item.get("url") else None,
        ))
    return tuple(out)


def _sections(node: Node | None) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    if node is None:
        return sections
    for item in node.seq(what="sections", nonempty=True):
        item.mapping(SECTION)
        section_id = item.child("id").text(max_length=60)
        if not SECTION_ID.match(section_id):
            raise item.child("id").error("a section id is lower-case letters, digits and hyphens, e.g. gbs-treatment")
        if section_id in sections:
            raise item.child("id").error(f"the section {section_id!r} is listed twice")
        sections[section_id] = Section(section_id, item.child("title").text(max_length=200), _references(item.get("references")))
    return sections


def load_sources(path: Path) -> dict[str, Source]:
    doc = root(marked_yaml.read_file(path), str(path)).mapping(SOURCES_FILE)
    sources: dict[str, Source] = {}
    for item in doc.child("sources").seq(what="sources", nonempty=True):
        item.mapping(SOURCE)
        source_id = item.child("id").text(max_length=120)
        if source_id in sources:
            raise item.child("id").error(f"the source {source_id!r} is listed twice")
        kind = item.child("kind").choice(SOURCE_KINDS, what="source kind")
        if kind == "seed" and not item.get("short_title"):
            raise item.error("a seed needs a 'short_title', the name citations give it (for example: MS FAQ)")
        if item.get("references") is not None and item.get("sections") is not None:
            raise item.child("sections").error("give 'references' or 'sections' (each with its own references), not both")

        def optional_text(key: str, limit: int = 500) -> str:
            return item.child(key).text(max_length=limit) if item.get(key) else ""

        sources[source_id] = Source(
            id=source_id,
            kind=kind,
            title=item.child("title").text(max_length=500),
            short_title=optional_text("short_title", 120),
            publisher=optional_text("publisher", 300),
            authors=optional_text("authors", 300),
            published_in=optional_text("published_in", 300),
            year=item.child("year").number(minimum=1800, maximum=2100, integer=True) if item.get("year") else None,
            url=optional_text("url") or None,
            doi=optional_text("doi", 200) or None,
            covers=" ".join(optional_text("covers", 2000).split()),
            references=_references(item.get("references")),
            sections=frozen_map(_sections(item.get("sections"))),
        )
    return sources


def _terms(node: Node, *, statuses: bool = False) -> dict[str, Term]:
    terms: dict[str, Term] = {}
    for key, item in node.mapping(what="named entries").items():
        item.mapping(STATUS_TERM if statuses else TERM)
        ident = Node(key, node.file, item.path, item.line).ident()
        not_for = tuple(i.ident(what="a therapy") for i in item.child("not_for").seq(allow_single=True)) if item.get("not_for") else ()
        terms[ident] = Term(
            ident, item.child("label").text(), item.child("description").text() if item.get("description") else "",
            not_for,
        )
    if not terms:
        raise node.error("expected at least one entry")
    return terms


def _fact(name: str, node: Node) -> FactSpec:
    node.mapping(FACT)
    kind = node.child("type").choice(FACT_TYPES, what="fact type")
    values: tuple[str, ...] = ()
    if kind == "enum":
        if not node.get("values"):
            raise node.error("an enum fact needs 'values'")
        values = tuple(v.ident(what="a value") for v in node.child("values").seq(nonempty=True))
    minimum = node.child("minimum").number() if node.get("minimum") is not None else None
    maximum = node.child("maximum").number() if node.get("maximum") is not None else None
    if kind == "number" and (minimum is None or maximum is None):
        raise node.error("a number fact needs both 'minimum' and 'maximum' (absurd values must be refused)")
    for bound in ("minimum", "maximum"):
        value = minimum if bound == "minimum" else maximum
        if value is not None and abs(value) >= LARGEST_NUMBER:
            raise node.child(bound).error(
                f"{value:g} is too large: numbers must stay below {LARGEST_NUMBER:.0e} in size, because "
                "durable-rules cannot read the exponent form (1e+16) that larger numbers are sent in"
            )
    required = node.child("required").boolean() if node.get("required") is not None else False
    default = None
    if node.get("default") is not None:
        d = node.child("default")
        if kind == "boolean":
            default = d.flag(unknown=True)
        elif kind == "enum":
            default = d.choice(values, what="default")
        elif kind == "number":
            default = d.number(minimum=minimum, maximum=maximum)
        else:
            default = d.text()
    requires: tuple = ()
    if node.get("requires") is not None:
        if kind != "boolean":
            raise node.child("requires").error("'requires' applies to true/false facts only")
        requires = tuple((key, child.value) for key, child in node.child("requires").mapping().items())
    return FactSpec(
        requires=requires,
        name=name,
        type=kind,
        description=node.child("description").text(),
        values=values,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=node.child("exclusive_minimum").boolean() if node.get("exclusive_minimum") is not None else False,
        default=default,
        required=required,
        unit=node.child("unit").text() if node.get("unit") else None,
        max_length=node.child("max_length").number(minimum=1, integer=True) if node.get("max_length") else None,
    )


def _alert(alert_id: str, node: Node, sources: dict[str, Source]) -> AlertSpec:
    node.mapping(ALERT)
    intervals: list[VaccineInterval] = []
    if node.get("vaccine_intervals"):
        for item in node.child("vaccine_intervals").seq(nonempty=True):
            item.mapping(VACCINE_INTERVAL)
            intervals.append(
                VaccineInterval(
                    item.child("up_to_g_per_kg").number(minimum=0, exclusive_minimum=True, maximum=10),
                    item.child("months").number(minimum=0, maximum=36, integer=True),
                )
            )
        if [i.up_to_g_per_kg for i in intervals] != sorted(i.up_to_g_per_kg for i in intervals):
            raise node.child("vaccine_intervals").error("list the intervals from the smallest dose up")
    return AlertSpec(
        id=alert_id,
        severity=node.child("severity").choice(SEVERITIES, what="severity"),
        message=" ".join(node.child("message").text().split()),
        citations=parse_citations(node.child("cite"), sources),
        vaccine_intervals=tuple(intervals),
        notes=" ".join(node.child("notes").text().split()) if node.get("notes") else "",
        child_message=" ".join(node.child("child_message").text().split()) if node.get("child_message") else "",
    )


def _age_checks(node: Node | None, facts: dict[str, FactSpec], alerts: dict[str, AlertSpec]) -> tuple[AgeCheck, ...]:
    """The ages at which a fact's value is refused or warned about (``age_plausibility``)."""
    if node is None:
        return ()
    checks = []
    age = facts[AGE]
    for item in node.seq(what="age checks"):
        item.mapping(AGE_CHECK)
        fact = item.child("fact").choice([f for f in facts if f != AGE], what="fact")
        spec, value_node = facts[fact], item.child("value")
        value = value_node.flag() if spec.type == "boolean" else value_node.choice(spec.values or (), what=f"value of {fact}")
        bounds = {key: item.child(key).number(minimum=age.minimum or 0, maximum=age.maximum)
                  for key in ("refuse_below", "refuse_from", "warn_below", "warn_from") if item.get(key) is not None}
        if not bounds:
            raise item.error("an age check needs at least one of refuse_below, refuse_from, warn_below, warn_from")
        warns = "warn_below" in bounds or "warn_from" in bounds
        alert = item.child("alert").choice(alerts, what="alert id") if item.get("alert") is not None else None
        if warns != (alert is not None):
            raise item.error("a warning bound (warn_below, warn_from) and 'alert' go together: the alert is the warning")
        checks.append(AgeCheck(fact=fact, value=value, reason=" ".join(item.child("reason").text().split()),
                               alert=alert, **bounds))
    return tuple(checks)


def _dose_limits(node: Node) -> dict[str, tuple[float, float]]:
    """Plausible (minimum, maximum) for each amount of a dose regimen."""
    node.mapping(DOSE_LIMITS)
    limits = {}
    for name in DOSE_LIMIT_FIELDS:
        item = node.child(name).mapping(LIMIT)
        low = item.child("minimum").number(minimum=0, exclusive_minimum=True)
        high = item.child("maximum").number(minimum=low)
        limits[name] = (low, high)
    return limits


def _advice(section: Node | None, sources: dict[str, Source], what: str) -> dict[str, AdviceSpec]:
    out: dict[str, AdviceSpec] = {}
    if section is None:
        return out
    for advice_id, node in section.mapping(what=f"{what} entries").items():
        Node(advice_id, section.file, node.path, node.line).ident(what=f"a {what} id")
        node.mapping(ADVICE)
        out[advice_id] = AdviceSpec(
            advice_id,
            " ".join(node.child("text").text().split()),
            parse_citations(node.child("cite"), sources),
            " ".join(node.child("notes").text().split()) if node.get("notes") else "",
        )
    return out


def _conflicts(section: Node | None, sources: dict[str, Source]) -> dict[str, ConflictSpec]:
    out: dict[str, ConflictSpec] = {}
    if section is None:
        return out
    for conflict_id, node in section.mapping(what="conflicts").items():
        Node(conflict_id, section.file, node.path, node.line).ident(what="a conflict id")
        node.mapping(CONFLICT)
        positions = []
        for item in node.child("positions").seq(what="positions (says, cite)", nonempty=True):
            item.mapping(POSITION)
            positions.append(Position(" ".join(item.child("says").text().split()), parse_citations(item.child("cite"), sources)))
        out[conflict_id] = ConflictSpec(
            conflict_id,
            " ".join(node.child("summary").text().split()),
            tuple(positions),
            " ".join(node.child("notes").text().split()) if node.get("notes") else "",
        )
    return out


def _check_core_facts(node: Node, facts: dict[str, FactSpec]) -> None:
    """The facts ivig-rules' code reads (model/facts.py) are defined, with the type the code reads."""
    for core in CORE_FACTS:
        spec = facts.get(core.name)
        if spec is None:
            guess = did_you_mean(core.name, [n for n in facts if n not in {c.name for c in CORE_FACTS}])
            raise node.error(
                f"the fact {core.name!r} must be defined ({core.type}): ivig-rules reads it by that name, "
                f"because {core.why}",
                suggestion=guess,
            )
        where = node.child(core.name)
        if spec.type != core.type:
            raise where.child("type").error(f"the fact {core.name!r} must be of type {core.type} (found {spec.type}): {core.why}")
        missing = [v for v in core.values if v not in spec.values]
        if missing:
            raise where.child("values").error(
                f"the fact {core.name!r} must offer the values {', '.join(core.values)} (missing {', '.join(missing)}): {core.why}"
            )


def load_vocabulary(folder: str | Path) -> Vocabulary:
    """Load ``vocabulary.yaml`` and ``sources.yaml`` from a rulesets folder."""
    folder = Path(folder)
    sources = load_sources(folder / "sources.yaml")
    path = folder / "vocabulary.yaml"
    doc = root(marked_yaml.read_file(path), str(path))
    doc.mapping(VOCABULARY_FILE)
    header = doc.child("vocabulary").mapping(VOCABULARY_HEADER)
    facts = {}
    for name, node in doc.child("facts").mapping().items():
        Node(name, doc.file, node.path, node.line).ident(what="a fact name")
        if name.startswith(ENGINE_TREATMENT_PREFIX):
            raise node.error(f"a fact name may not start with {ENGINE_TREATMENT_PREFIX!r} (the engine's name for treatment statuses); rename {name!r}")
        facts[name] = _fact(name, node)
    _check_core_facts(doc.child("facts"), facts)
    for name, spec in facts.items():
        for other, value in spec.requires:
            other_spec = facts.get(other)
            if other_spec is None or (other_spec.values and value not in other_spec.values):
                raise doc.child("facts").child(name).error(f"'requires' names {other}: {value!r}, which the vocabulary does not define")
    statuses_node = doc.child("statuses").mapping(STATUSES)
    statuses = _terms(statuses_node.child("values"), statuses=True)
    therapies = _terms(doc.child("therapies"))
    for status in statuses.values():
        for therapy in status.not_for:
            if therapy not in therapies:
                raise statuses_node.child("values").child(status.id).error(
                    f"'not_for' names {therapy!r}, which is not a therapy of the vocabulary",
                    suggestion=did_you_mean(therapy, therapies),
                )
            if status.id == statuses_node.child("default").value:
                raise statuses_node.child("values").child(status.id).error("the default status applies to every therapy")
    default_status = statuses_node.child("default").choice(statuses, what="status")
    verdicts = _terms(doc.child("verdicts"))
    if tuple(verdicts) != VERDICTS:
        raise doc.child("verdicts").error(f"the verdicts are fixed: {', '.join(VERDICTS)} (in this order)")
    alerts = {}
    for alert_id, node in doc.child("alerts").mapping().items():
        Node(alert_id, doc.file, node.path, node.line).ident(what="an alert id")
        alerts[alert_id] = _alert(alert_id, node, sources)
    if WEIGHT_MISSING not in alerts:
        raise doc.child("alerts").error(
            f"the alert {WEIGHT_MISSING!r} must be defined: the evaluator raises it when a regimen's dose "
            "cannot be worked out because no body weight was recorded",
            suggestion=did_you_mean(WEIGHT_MISSING, alerts),
        )
    evidence_levels = _terms(doc.child("evidence_levels"))
    teaching = (
        load_vocabulary_teaching(doc.child("teaching"), verdicts, evidence_levels)
        if doc.get("teaching") is not None
        else VocabularyTeaching()
    )
    return Vocabulary(
        version=str(header.child("version").value),
        facts=frozen_map(facts),
        therapies=frozen_map(therapies),
        statuses=frozen_map(statuses),
        default_status=default_status,
        alerts=frozen_map(alerts),
        verdicts=frozen_map(verdicts),
        evidence_levels=frozen_map(evidence_levels),
        sources=frozen_map(sources),
        dose_limits=frozen_map(_dose_limits(doc.child("dose_limits"))),
        monitoring=frozen_map(_advice(doc.get("monitoring"), sources, "monitoring")),
        administration=frozen_map(_advice(doc.get("administration"), sources, "administration")),
        conflicts=frozen_map(_conflicts(doc.get("conflicts"), sources)),
        teaching=teaching,
        age_checks=_age_checks(doc.get("age_plausibility"), facts, alerts),
    )
