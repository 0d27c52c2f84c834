"""What the loader checks that a JSON Schema cannot: the explicit list, as data.

A file the schema accepts loads, except where one of these checks refuses it; each entry says
which kinds of file it applies to, where (the key, as a pattern) and the loader's message for
it, so that tests/test_schemas.py can tell an expected refusal from a schema that is wrong, and
docs/schemas.md lists them. Everything in the list is still checked, with file, line and key,
when the file is loaded (``ivig-rules lint``, ``run``, ``evaluate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Pattern

__all__ = ["LoaderOnly", "LOADER_ONLY", "loader_only"]


@dataclass(frozen=True)
class LoaderOnly:
    """One check only the loader makes, and why a schema cannot."""

    id: str
    kinds: tuple[str, ...]
    what: str  # the check, in words (docs/schemas.md)
    why: str  # why a JSON Schema cannot make it
    message: Pattern[str]  # the loader's message
    key: Pattern[str] = re.compile("")  # where: the key the loader names (searched)

    def matches(self, kind: str, key: str | None, message: str) -> bool:
        return kind in self.kinds and bool(self.key.search(key or "")) and bool(self.message.search(message))


def _entry(id: str, kinds: str, what: str, why: str, message: str, key: str = "") -> LoaderOnly:
    return LoaderOnly(id, tuple(kinds.split()), what, why, re.compile(message), re.compile(key))


_SAME_FILE = "a JSON Schema cannot make one value depend on what another part of the same file defines"
_ALL = "pathway safety vocabulary sources fhir scenario patient"

LOADER_ONLY: tuple[LoaderOnly, ...] = (
    _entry("yaml-text", _ALL,
           "The text is UTF-8, not empty, one YAML document of plain data: no syntax error, no tag that builds an "
           "object, no key twice in a mapping, no alias bomb, no nesting deeper than 60 levels, no file over 4 MB.",
           "a JSON Schema validates the data a YAML parser made; it never sees the text (the editor's YAML "
           "parser reports syntax errors and duplicate keys itself)",
           r"^not valid YAML|^the file is empty|is not allowed; only plain data|appears twice in one mapping|"
           r"alias bomb|not UTF-8|nesting deeper than|larger than \d+ MB|NUL bytes|mapping key must be plain|"
           r"'<<' must merge"),
    _entry("finite-numbers", _ALL, "A number is finite: .nan and .inf are refused.",
           "JSON has no NaN or infinity, so a JSON Schema cannot speak of them (NaN passes every bound)",
           r"expected a finite number"),
    _entry("defined-here", "pathway",
           "A step, dose or 'from' position names a step or dose this file defines.", _SAME_FILE,
           r"no (step|dose) .* is defined in this file"),
    _entry("unique", "pathway sources scenario",
           "Rule ids, 'from' positions, source and section ids and scenario names are used once each.",
           "a JSON Schema can ask for unique items, but not for items unique by one of their keys",
           r"is used twice|is listed twice"),
    _entry("verdict-and-step", "pathway",
           "A rule's verdict fits its next step (recommended: an IVIG step; not_yet, not_indicated, no_guidance, "
           "contraindicated: not an IVIG step), its dose belongs to the step's therapy, and a next step or dose "
           "comes with a verdict.", "whether a step gives IVIG is said in another part of the file",
           r"IVIG verdict \('ivig'\)|next step must be an IVIG step|next step cannot be the IVIG step|"
           r"does not give|a dose needs a 'next_step'|but this step gives"),
    _entry("dose-default", "pathway", "A dose's default lies within its own min and max.",
           "a JSON Schema cannot compare two numbers of the instance", r"lies outside its range"),
    _entry("threshold-decimals", "pathway safety",
           "A number a rule compares with has at most 4 decimal places.",
           "'multipleOf: 0.0001' fails on binary fractions (0.3 / 0.0001 is not a whole number in floating point)",
           r"more than 4 decimal places"),
    _entry("review-dates", "pathway", "review_due is not before last_reviewed.",
           "a JSON Schema cannot compare two dates of the instance", r"review is due before the last review"),
    _entry("vocabulary-own-names", "vocabulary",
           "Names the vocabulary defines and uses itself: a fact's default is one of its values and within its "
           "range, 'requires' names facts and values it defines, 'not_for' names its therapies, the default "
           "status is one of its statuses and applies to every therapy, the teaching block names its evidence "
           "levels, and the verdicts come in their fixed order.", _SAME_FILE,
           r"'requires' names|'not_for' names|default status applies|unknown status|unknown default|"
           r"no evidence level|in this order|out of range", key=r"^facts\.|^statuses|^teaching\.evidence|^verdicts"),
    _entry("ordered-lists", "vocabulary sources",
           "Vaccine intervals are listed from the smallest dose up; references are numbered 1, 2, 3 ... in order; "
           "a dose limit's maximum is at least its minimum.",
           "a JSON Schema cannot compare an item with the one before it, or two numbers of the instance",
           r"from the smallest dose up|numbered 1, 2, 3|out of range", key=r"vaccine_intervals|references|^dose_limits"),
    _entry("merged-patient", "scenario",
           "A scenario's patient together with base_patient gives every required fact, and a true flag's "
           "'requires' (pregnant needs sex: female) holds for the merged patient.",
           "the patient a scenario tests is base_patient and its own facts merged",
           r"^the fact '[^']+' is required|is true, which needs"),
    _entry("expected-both-ways", "scenario",
           "No alert or citation is both expected and expected absent.",
           "a JSON Schema cannot compare two lists of the instance", r"both expected and expected absent"),
    _entry("fhir-own-names", "fhir",
           "A code names a code system of this file's 'systems'; iga.unit is one of iga.units, with factor 1.",
           _SAME_FILE, r"unknown code system|unknown unit|must have the factor 1"),
    _entry("file-exists", "scenario", "A file a scenario names (its FHIR Bundle) exists and can be read.",
           "a JSON Schema sees one document; it cannot look at the disk", r"^no such file|^cannot read the file"),
    _entry("fhir-bundle", "scenario",
           "A scenario's FHIR Bundle (a file beside the scenario, or inline) is read by the FHIR reader, through "
           "rulesets/fhir.yaml, and gives every fact the rules need.",
           "the Bundle is a FHIR resource read through the mapping, not a shape of the scenario file",
           r"the scenario's FHIR patient"),
    _entry("teaching-own-names", "pathway safety",
           "In a teaching block, a step has at most one question, a screening rule is under one group heading, "
           "and the screening's phrases and groups name its own rules.", _SAME_FILE,
           r"already has a question|is already under|no screening rule|unknown screening rule"),
)


def loader_only(kind: str, key: str | None, message: str) -> LoaderOnly | None:
    """The entry that explains a refusal the schema did not make, if there is one."""
    return next((entry for entry in LOADER_ONLY if entry.matches(kind, key, message)), None)
