"""A few lines telling a reader of the text output where a FHIR patient's facts came from."""

from __future__ import annotations

from .reader import FhirReading

__all__ = ["reading_text"]


def reading_text(reading: FhirReading) -> str:
    lines = ["", f"Read from FHIR (ages as of {reading.as_of}):"]
    for fact, source in sorted(reading.sources.items()):
        lines.append(f"  {fact:<32} {source}")
    if reading.not_recorded:
        lines.append("Not recorded (the data dictionary's default was used): " + ", ".join(sorted(reading.not_recorded)))
    for fact, why in sorted(reading.unknown.items()):
        lines.append(f"Unknown: {fact}: {why}")
    for warning in reading.warnings:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines)
