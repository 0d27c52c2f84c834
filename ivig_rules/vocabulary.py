"""Reads the data dictionary (vocabulary.yaml) and the source registry (sources.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

from . import marked_yaml
from ._reader import Node, root
from .errors import SchemaError
from .model import (
    SEVERITIES,
    VERDICTS,
    AlertSpec,
    Citation,
    FactSpec,
    Source,
    Term,
    VaccineInterval,
    Vocabulary,
    frozen_map,
)
from .teaching_loader import load_vocabulary_teaching
from .teaching_model import VocabularyTeaching

__all__ = ["load_vocabulary", "parse_citations"]

_CITATION = re.compile(r"^(?P<source>[^\s\[\]]+)(?:\s*\[(?P<ref>\d+)\])?$")
_FACT_TYPES = ("enum", "number", "boolean", "text")
_REQUIRED_FACTS = ("diagnosis",)


def parse_citations(node: Node, sources: dict[str, Source] | None) -> tuple[Citation, ...]:
    """Read ``cite:``: one or more "SOURCE" or "SOURCE [N]" strings, checked against the registry."""
    out: list[Citation] = []
    for item in node.seq(what="citations", allow_single=True, nonempty=True):
        text = item.text(max_length=300).strip()
        match = _CITATION.match(text)
        if not match:
            raise item.error(f"a citation is written 'SOURCE' or 'SOURCE [N]', found {text!r}")
        source_id, ref = match["source"], match["ref"]
        if sources is not None:
            if source_id not in sources:
                from .errors import did_you_mean

                raise item.error(
                    f"unknown source {source_id!r}; sources are listed in rulesets/sources.yaml.",
                    suggestion=did_you_mean(source_id, sources),
                )
            source = sources[source_id]
            if ref is not None and not 1 <= int(ref) <= max(source.references, 0):
                count = source.references
                raise item.error(
                    f"{source_id} numbers {count} references, so [{ref}] does not exist"
                    if count
                    else f"{source_id} has no numbered references; cite it without [N]"
                )
        citation = Citation(source_id, int(ref) if ref is not None else None)
        if citation not in out:
            out.append(citation)
    return tuple(out)


def _load_sources(path: Path) -> dict[str, Source]:
    doc = root(marked_yaml.read_file(path), str(path)).mapping(required=["sources"])
    sources: dict[str, Source] = {}
    for item in doc.child("sources").seq(what="sources", nonempty=True):
        item.mapping(required=["id", "kind", "title"], optional=["references", "url", "covers"])
        source_id = item.child("id").text(max_length=120)
        if source_id in sources:
            raise item.child("id").error(f"the source {source_id!r} is listed twice")
        sources[source_id] = Source(
            id=source_id,
            kind=item.child("kind").choice(["seed", "external"], what="source kind"),
            title=item.child("title").text(),
            references=item.child("references").number(minimum=0, integer=True) if item.get("references") else 0,
            url=item.child("url").text() if item.get("url") else None,
            covers=item.child("covers").text() if item.get("covers") else "",
        )
    return sources


def _terms(node: Node) -> dict[str, Term]:
    terms: dict[str, Term] = {}
    for key, item in node.mapping(what="named entries").items():
        item.mapping(required=["label"], optional=["description"])
        ident = Node(key, node.file, item.path, item.line).ident()
        terms[ident] = Term(
            ident, item.child("label").text(), item.child("description").text() if item.get("description") else ""
        )
    if not terms:
        raise node.error("expected at least one entry")
    return terms


def _fact(name: str, node: Node) -> FactSpec:
    node.mapping(
        required=["type", "description"],
        optional=["values", "minimum", "maximum", "exclusive_minimum", "default", "required", "unit", "max_length", "requires"],
    )
    kind = node.child("type").choice(_FACT_TYPES, what="fact type")
    values: tuple[str, ...] = ()
    if kind == "enum":
        if not node.get("values"):
            raise node.error("an enum fact needs 'values'")
        values = tuple(v.ident(what="a value") for v in node.child("values").seq(nonempty=True))
    minimum = node.child("minimum").number() if node.get("minimum") is not None else None
    maximum = node.child("maximum").number() if node.get("maximum") is not None else None
    if kind == "number" and (minimum is None or maximum is None):
        raise node.error("a number fact needs both 'minimum' and 'maximum' (absurd values must be refused)")
    required = node.child("required").boolean() if node.get("required") is not None else False
    default = None
    if node.get("default") is not None:
        d = node.child("default")
        if kind == "boolean":
            default = d.boolean()
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
    node.mapping(required=["severity", "message", "cite"], optional=["vaccine_intervals", "notes", "child_message"])
    intervals: list[VaccineInterval] = []
    if node.get("vaccine_intervals"):
        for item in node.child("vaccine_intervals").seq(nonempty=True):
            item.mapping(required=["up_to_g_per_kg", "months"])
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


def load_vocabulary(folder: str | Path) -> Vocabulary:
    """Load ``vocabulary.yaml`` and ``sources.yaml`` from a rulesets folder."""
    folder = Path(folder)
    sources = _load_sources(folder / "sources.yaml")
    path = folder / "vocabulary.yaml"
    doc = root(marked_yaml.read_file(path), str(path))
    doc.mapping(
        required=["vocabulary", "facts", "therapies", "statuses", "verdicts", "evidence_levels", "alerts"],
        optional=["teaching"],
    )
    header = doc.child("vocabulary").mapping(required=["version"])
    facts = {}
    for name, node in doc.child("facts").mapping().items():
        Node(name, doc.file, node.path, node.line).ident(what="a fact name")
        facts[name] = _fact(name, node)
    for name in _REQUIRED_FACTS:
        if name not in facts:
            raise doc.child("facts").error(f"the fact {name!r} must be defined")
    for name, spec in facts.items():
        for other, value in spec.requires:
            other_spec = facts.get(other)
            if other_spec is None or (other_spec.values and value not in other_spec.values):
                raise doc.child("facts").child(name).error(f"'requires' names {other}: {value!r}, which the vocabulary does not define")
    statuses_node = doc.child("statuses").mapping(required=["default", "values"])
    statuses = _terms(statuses_node.child("values"))
    default_status = statuses_node.child("default").choice(statuses, what="status")
    verdicts = _terms(doc.child("verdicts"))
    if tuple(verdicts) != VERDICTS:
        raise doc.child("verdicts").error(f"the verdicts are fixed: {', '.join(VERDICTS)} (in this order)")
    alerts = {}
    for alert_id, node in doc.child("alerts").mapping().items():
        Node(alert_id, doc.file, node.path, node.line).ident(what="an alert id")
        alerts[alert_id] = _alert(alert_id, node, sources)
    evidence_levels = _terms(doc.child("evidence_levels"))
    teaching = (
        load_vocabulary_teaching(doc.child("teaching"), verdicts, evidence_levels)
        if doc.get("teaching") is not None
        else VocabularyTeaching()
    )
    return Vocabulary(
        version=str(header.child("version").value),
        facts=frozen_map(facts),
        therapies=frozen_map(_terms(doc.child("therapies"))),
        statuses=frozen_map(statuses),
        default_status=default_status,
        alerts=frozen_map(alerts),
        verdicts=frozen_map(verdicts),
        evidence_levels=frozen_map(evidence_levels),
        sources=frozen_map(sources),
        teaching=teaching,
    )
