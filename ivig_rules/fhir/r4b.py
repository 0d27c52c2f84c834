"""Validation of whole resources with the ``fhir.resources`` R4B models (the ``fhir`` extra).

The R4B package, never the library's default import: that is R5, which reads R4 data without
complaint and silently drops elements R5 renamed (``medicationCodeableConcept`` among them).
"""

from __future__ import annotations

from typing import Any

from .errors import FhirError

__all__ = ["validate_resource", "r4b_model", "EXTRA_HINT"]

EXTRA_HINT = "pip install 'ivig-rules[fhir]'"
_MAX_SHOWN = 3


def r4b_model(resource_type: str) -> Any:
    """The R4B model class for a resource type (imported only when needed: it is heavy)."""
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError:  # pragma: no cover - depends on the install
        raise FhirError(f"validating FHIR needs the fhir.resources package: {EXTRA_HINT}") from None
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        raise FhirError(f"{resource_type!r} is not a FHIR R4 resource type") from None


def validate_resource(data: Any, *, file: str | None = None, what: str = "") -> Any:
    """Validate one resource (a Bundle included) against R4B; return the model instance."""
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise FhirError("expected a FHIR resource: a JSON object with a resourceType", file=file, key=what or None)
    try:
        model = r4b_model(data["resourceType"])
    except FhirError as exc:
        raise FhirError(exc.message, file=file, key=what or None) from None
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:_MAX_SHOWN]:
            where = _path(error.get("loc", ()))
            message = str(error.get("msg", "invalid"))[:200]
            problems.append(f"{where}: {message}" if where else message)
        more = len(exc.errors()) - _MAX_SHOWN
        tail = f" (and {more} more)" if more > 0 else ""
        raise FhirError(
            f"not a valid FHIR R4 {data['resourceType']}: " + "; ".join(problems) + tail, file=file, key=what or None
        ) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise FhirError(f"not a valid FHIR R4 {data['resourceType']}: {str(exc)[:200]}", file=file,
                        key=what or None) from None


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("function-") and part not in ("Bundle",):
            out += ("." if out else "") + str(part)
    return out
