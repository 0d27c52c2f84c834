"""The two ways a FHIR record can fail: it is malformed, or it lacks a fact the rules need."""

from __future__ import annotations

from ..errors import InputError, IvigRulesError

__all__ = ["FhirError", "IncompleteRecordError"]


class FhirError(InputError):
    """A Bundle or resource that is not FHIR R4 as this reader needs it; names the JSON path."""

    kind = "invalid FHIR"


class IncompleteRecordError(IvigRulesError):
    """The record does not say a fact the pathway's rules read: nothing is guessed (exit 3)."""

    exit_code = 3

    def __init__(self, diagnosis: str, missing: dict[str, str], where: str | None = None) -> None:
        self.diagnosis = diagnosis
        self.missing = dict(missing)
        self.where = where
        reasons = "; ".join(f"{fact}: {why}" for fact, why in sorted(self.missing.items()))
        prefix = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}the record does not say what the {diagnosis} pathway needs, so no recommendation is "
            f"given rather than a guessed one. Not recorded: {reasons}."
        )

    def to_dict(self) -> dict:
        return {"kind": "incomplete record", "diagnosis": self.diagnosis, "not_recorded": self.missing,
                "message": str(self)}
