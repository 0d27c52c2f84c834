"""CDS Hooks 2.0: the discovery document and the order-sign / order-select services for IVIG.

Pure functions over plain JSON, so the card logic is tested without a server. A request that
is not a CDS Hooks call (wrong hook, no context, draftOrders not a Bundle) is refused with a
:class:`~.body.RequestError`; a record that cannot be evaluated (malformed resource, missing
prefetch, a fact the rules need that is not recorded) gets a card saying so, never a guess.
"""

from __future__ import annotations

import uuid
from typing import Any

from .._excerpt import excerpt
from .._text import plural
from ..errors import IvigRulesError, NoDecisionError
from ..evaluation.evaluator import Evaluator
from ..fhir.errors import FhirError, IncompleteRecordError
from ..fhir.evaluate import patient_from_reading
from ..fhir.mapping import FhirMapping
from ..fhir.reader import bundle_resources, read_resources
from ..fhir.timing import UCUM, course_timing, course_words, repeat_instruction
from ..evaluation.recommendation import Recommendation
from .body import RequestError

__all__ = ["SERVICES", "discovery", "prefetch_templates", "handle_hook", "card_for", "SUMMARY_MAX"]

SUMMARY_MAX = 139
SERVICE_IDS = {"order-sign": "ivig-order-sign", "order-select": "ivig-order-select"}
SERVICES = tuple(SERVICE_IDS.values())
# prefetch key -> the resource types it carries
_PREFETCH_TYPES = {
    "patient": ("Patient",),
    "conditions": ("Condition",),
    "observations": ("Observation",),
    "medicationStatements": ("MedicationStatement",),
    "medicationRequests": ("MedicationRequest",),
    "procedures": ("Procedure",),
    "allergies": ("AllergyIntolerance",),
}
_DOSE_FACTS = frozenset({"weight_kg", "height_cm"})
_NAMESPACE = uuid.UUID("6f1c1e8e-2b7e-4d55-9a53-3f6f0e2d7a10")


def prefetch_templates(mapping: FhirMapping) -> dict[str, str]:
    """FHIR queries for everything the rules read, built from the mapping's codes."""
    pid = "{{context.patientId}}"
    loinc = [c for q in mapping.observations.values() for c in q.codes.codes] + list(mapping.iga.codes.codes)
    codes = ",".join(f"{c.system}|{c.code}" for c in loinc)
    return {
        "patient": f"Patient/{pid}",
        "conditions": f"Condition?patient={pid}",
        "observations": f"Observation?patient={pid}&code={codes}&_sort=-date",
        "medicationStatements": f"MedicationStatement?patient={pid}",
        "medicationRequests": f"MedicationRequest?patient={pid}",
        "procedures": f"Procedure?patient={pid}",
        "allergies": f"AllergyIntolerance?patient={pid}",
    }


def discovery(mapping: FhirMapping) -> dict:
    prefetch = prefetch_templates(mapping)
    return {"services": [
        {
            "hook": "order-sign",
            "id": SERVICE_IDS["order-sign"],
            "title": "IVIG order check (ivig-rules)",
            "description": "Checks an IVIG order against the source-cited neurology pathways: verdict, dose on the "
                           "dosing weight, safety alerts and citations; suggests the computed dose when the order's "
                           "differs. Decision support, not medical advice.",
            "prefetch": prefetch,
            "usageRequirements": "Send every prefetch key: a missing one makes the facts it carries unknown.",
        },
        {
            "hook": "order-select",
            "id": SERVICE_IDS["order-select"],
            "title": "IVIG early advice (ivig-rules)",
            "description": "When an IVIG order is selected: the pathway's verdict and what to do first "
                           "(measure serum IgA, weigh the patient).",
            "prefetch": prefetch,
        },
    ]}


def _object(data: Any, key: str, what: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise RequestError(f"{what} must be a JSON object", key=key)
    return value


def handle_hook(service: str, data: Any, evaluator: Evaluator, mapping: FhirMapping, base_url: str) -> dict:
    """The CDS Hooks response (``{"cards": [...]}``) for one call of ``service``."""
    hook = next((h for h, s in SERVICE_IDS.items() if s == service), None)
    if not isinstance(data, dict):
        raise RequestError("a CDS Hooks request is a JSON object with hook, hookInstance and context")
    if data.get("hook") != hook:
        asked = data.get("hook")
        named = "names no hook" if asked is None else f"is for the hook {excerpt(asked)}"
        raise RequestError(f"the request {named}; this service answers the {hook} hook.", key="hook", suggestion=hook)
    if not isinstance(data.get("hookInstance"), str) or not data["hookInstance"]:
        raise RequestError("hookInstance (a UUID, as text) is required", key="hookInstance")
    context = _object(data, "context", "context")
    if not isinstance(context.get("patientId"), str):
        raise RequestError("context.patientId (text) is required", key="context.patientId")
    drafts_bundle = _object(context, "draftOrders", "context.draftOrders (a Bundle of the orders being written)")
    try:
        drafts = [r.data for r in bundle_resources(drafts_bundle, prefix="context.draftOrders.")]
    except FhirError as exc:
        raise RequestError(exc.message, key=exc.key) from None
    if hook == "order-select":
        selected = context.get("selections")
        if not isinstance(selected, list) or not all(isinstance(s, str) for s in selected):
            raise RequestError("context.selections (a list of resource references) is required", key="context.selections")
        drafts = [d for d in drafts if f"{d.get('resourceType')}/{d.get('id')}" in selected] or drafts
    prefetch = data.get("prefetch") if isinstance(data.get("prefetch"), dict) else {}
    if data.get("prefetch") is not None and not isinstance(data.get("prefetch"), dict):
        raise RequestError("prefetch must be a JSON object", key="prefetch")
    ivig = [d for d in drafts if d.get("resourceType") == "MedicationRequest" and _is_ivig(d, mapping, drafts_bundle)]
    if not ivig:
        return {"cards": []}  # not an IVIG order: nothing to say
    seed = str(data["hookInstance"])
    resources, missing = _prefetch_resources(prefetch)
    try:
        reading = read_resources(resources, mapping, evaluator.vocabulary, drafts=ivig, missing=missing,
                                 file="prefetch")
        patient = patient_from_reading(reading, evaluator, also_needed=_DOSE_FACTS if missing else frozenset())
        rec = evaluator.evaluate(patient)
    except IncompleteRecordError as exc:
        return {"cards": [_problem_card(seed, "IVIG order not checked: facts the rules need are not recorded",
                                        _incomplete_detail(exc), base_url)]}
    except NoDecisionError as exc:
        return {"cards": [_problem_card(seed, "IVIG order not checked: the pathway has no rule for this patient",
                                        str(exc), base_url)]}
    except IvigRulesError as exc:
        return {"cards": [_problem_card(seed, "IVIG order not checked: the record could not be read",
                                        str(exc), base_url)]}
    cards = [card_for(rec, reading, evaluator, mapping, base_url, seed, suggest=hook == "order-sign")]
    return {"cards": cards}


def _is_ivig(resource: dict, mapping: FhirMapping, bundle: dict) -> bool:
    concept = resource.get("medicationCodeableConcept")
    pairs = []
    if isinstance(concept, dict) and isinstance(concept.get("coding"), list):
        pairs = [(c.get("system"), c.get("code")) for c in concept["coding"] if isinstance(c, dict)]
    return mapping.ivig_codes.match(pairs) is not None


def _prefetch_resources(prefetch: dict) -> tuple[list, dict[str, str]]:
    """The prefetched resources (read once, with their JSON paths) and the types the EHR did not send."""
    resources: list = []
    missing: dict[str, str] = {}
    for key, types in _PREFETCH_TYPES.items():
        value = prefetch.get(key)
        if value is None:
            for kind in types:
                missing[kind] = f"the EHR sent no prefetch '{key}'"
            continue
        if not isinstance(value, dict):
            raise RequestError(f"prefetch.{key} must be a FHIR resource or Bundle (an object)", key=f"prefetch.{key}")
        if value.get("resourceType") == "Bundle":
            try:
                resources.extend(bundle_resources(value, prefix=f"prefetch.{key}."))
            except FhirError as exc:
                raise RequestError(exc.message, key=exc.key) from None
        else:
            resources.append(value)
    return resources, missing


# -- cards ----------------------------------------------------------------------------------


def _indicator(rec: Recommendation, dose_differs: bool) -> str:
    if rec.ivig == "contraindicated":
        return "critical"
    if rec.ivig in ("recommended", "consider") and not dose_differs and all(a.severity == "info" for a in rec.alerts):
        return "info"
    return "warning"


def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 3].rstrip() + "..."


def _grams(value: float) -> str:
    return f"{value:g} g"


def _course(dose) -> str:
    """The grams of each infusion and the course length: '28 g a day for 5 days'."""
    return course_words(_grams(dose.per_day_g), dose.days, dose.interval_weeks)


def _amount(r) -> str:
    """A regimen's or dose's amount per kg and days: '0.4 g/kg per day, over 5 days'."""
    return f"{r.g_per_kg:g} g/kg per {r.per}, over {plural(r.days, 'day')}"


def _per_kg(r) -> str:
    """The regimen per kg with its course length, as the text output words it: '0.4 g/kg per day, over 5 days'."""
    return _amount(r) + (f", every {r.interval_weeks:g} weeks" if r.interval_weeks is not None else "")


def _allowed(r) -> list[str]:
    """The ranges the sources give around the ruleset's default (ADEM: 2 g/kg over 2 to 5 days),
    as one detail line, so that the card's figures do not read as the only choice."""
    ranges = []
    if r.g_per_kg_range:
        ranges.append(f"{r.g_per_kg_range[0]:g} to {r.g_per_kg_range[1]:g} g/kg per {r.per}")
    if r.days_range:
        ranges.append(f"{r.days_range[0]} to {r.days_range[1]} days")
    if r.interval_weeks_range:
        ranges.append(f"every {r.interval_weeks_range[0]:g} to {r.interval_weeks_range[1]:g} weeks")
    if not ranges:
        return []
    spread = " (spread over fewer days, each day's grams are higher)" if r.days_range and r.per == "course" else ""
    return [f"- the sources allow {', '.join(ranges)}; the figures above use the ruleset's default{spread}"]


def card_for(rec: Recommendation, reading, evaluator: Evaluator, mapping: FhirMapping, base_url: str, seed: str,
             *, suggest: bool = True) -> dict:
    vocab = evaluator.vocabulary
    verdict = vocab.verdicts[rec.ivig].label if rec.ivig in vocab.verdicts else rec.ivig
    dose = rec.dose
    order = reading.orders[0] if reading.orders else None
    ordered_g = None
    if order is not None and dose is not None:
        if order.dose_g is not None:
            ordered_g = order.dose_g
        elif order.dose_g_per_kg is not None:
            ordered_g = round(order.dose_g_per_kg * dose.dosing_weight_kg, 2)
    differs = bool(
        ordered_g is not None and dose is not None and dose.per_day_g > 0
        and abs(ordered_g - dose.per_day_g) / dose.per_day_g * 100 > mapping.order.tolerance_percent
    )
    # the verdict and the dose with its course length first; the pathway's title only where it fits
    head = verdict
    if differs:
        head = f"Dose differs: ordered {_grams(ordered_g)}, pathway {_course(dose)}. {verdict}"
    elif dose is not None and rec.ivig in ("recommended", "consider"):
        head += f": {dose.g_per_kg:g} g/kg per {dose.per}, {_course(dose)}"
    elif rec.regimen is not None and rec.ivig in ("recommended", "consider"):  # fail safe: no weight, no grams
        head += f": {_per_kg(rec.regimen)}; no weight recorded, so no dose in grams"
    titled = f"{head} ({rec.pathway_title})"
    head = titled if len(titled) <= SUMMARY_MAX else head
    card = {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{seed}/{rec.pathway}/main")),
        "summary": _summary(head),
        "indicator": _indicator(rec, differs),
        "detail": _detail(rec, reading, evaluator, ordered_g, differs),
        "source": {
            "label": f"ivig-rules: {rec.pathway_title} v{rec.ruleset_version}",
            "url": f"{base_url}/pathways/{rec.pathway}/page",
        },
    }
    if suggest and differs and order is not None:
        card["suggestions"] = [_dose_suggestion(rec, order, seed)]
        card["selectionBehavior"] = "at-most-one"
    return card


def _detail(rec: Recommendation, reading, evaluator: Evaluator, ordered_g: float | None, differs: bool) -> str:
    vocab = evaluator.vocabulary
    lines = [f"**{vocab.verdicts[rec.ivig].label if rec.ivig in vocab.verdicts else rec.ivig}** "
             f"for {rec.pathway_title} (pathway `{rec.pathway}` v{rec.ruleset_version})."]
    if rec.step_label:
        lines.append(f"Next step: {rec.step_label}" + (f" (line {rec.line_of_therapy})" if rec.line_of_therapy else "") + ".")
    if rec.evidence:
        lines.append(f"Evidence: {vocab.evidence_levels[rec.evidence].label if rec.evidence in vocab.evidence_levels else rec.evidence}.")
    dose = rec.dose
    if dose is None and rec.regimen is not None:
        lines += ["", "**Dose**", "", f"- {_per_kg(rec.regimen)}", *_allowed(rec.regimen),
                  "- dose in grams: not worked out; it needs the body weight, which was not recorded "
                  "(weigh the patient before prescribing)"]
        if reading.orders and reading.orders[0].dose_g is not None:
            lines.append(f"- the order gives {_grams(reading.orders[0].dose_g)}: not checked, "
                         "as there is no weight to check it against")
    if dose is not None:
        lines += ["", "**Dose**", "",
                  f"- {_amount(dose)}",  # how often it repeats is in the grams line below
                  f"- dosing weight {dose.dosing_weight_kg:g} kg ({dose.weight_basis}"
                  + (f", ideal body weight {dose.ideal_body_weight_kg:g} kg" if dose.ideal_body_weight_kg else "") + ")",
                  f"- {_course(dose)}; {_grams(dose.total_g)} in all"
                  + (f" (rounded to {_grams(dose.rounded_total_g)})" if dose.rounded_total_g else "")
                  + (" per course" if dose.interval_weeks is not None and dose.days > 1 else ""),
                  *_allowed(dose)]
        if ordered_g is not None:
            lines.append(f"- the order gives {_grams(ordered_g)}" + (" - **it differs**" if differs else ", which agrees"))
    for conflict in rec.conflicts:
        lines += ["", f"**Sources disagree**: {conflict.summary} No go-ahead: a specialist decides.", ""]
        lines += [f"- {'this pathway' if p.role == 'pathway' else 'another source'}: {p.says}" for p in conflict.positions]
    if rec.alerts:
        lines += ["", "**Alerts**", ""]
        lines += [f"- *{a.severity}* **{a.id}**: {a.message}" for a in rec.alerts]
    read = _facts_read(evaluator, rec.diagnosis)
    unstated = [f for f in reading.not_recorded if f in read]
    defaulted = sorted(f for f in unstated if f not in vocab.facts or vocab.facts[f].default is not None)
    if defaulted:
        lines += ["", "Not recorded, so the data dictionary's default was used: " + ", ".join(defaulted) + "."]
    missing = sorted(set(unstated) - set(defaulted))
    if missing:  # no default stands in for a weight or a height
        lines += ["", "Not recorded, with no default to stand in: " + ", ".join(missing) + "."]
    if rec.citations:
        lines += ["", "**Citations**: " + "; ".join(c.text or str(c) for c in rec.citations)]
    lines += ["", "_Decision support for review by a clinician; not medical advice._"]
    return "\n".join(lines)


def _facts_read(evaluator: Evaluator, diagnosis: str) -> frozenset[str]:
    from ..fhir.evaluate import needed_facts

    return needed_facts(evaluator, diagnosis) | _DOSE_FACTS


def _dose_suggestion(rec: Recommendation, order, seed: str) -> dict:
    dose = rec.dose
    updated = dict(order.resource)
    dosage = {"text": f"{dose.g_per_kg:g} g/kg per {dose.per} on {dose.dosing_weight_kg:g} kg "
                      f"({dose.weight_basis}): {_course(dose)}",
              "additionalInstruction": repeat_instruction(dose.days, dose.interval_weeks),
              "timing": course_timing(dose.days, dose.interval_weeks),
              "doseAndRate": [{"doseQuantity": {"value": dose.per_day_g, "unit": "g", "system": UCUM, "code": "g"}}]}
    if not dosage["additionalInstruction"]:
        del dosage["additionalInstruction"]
    updated["dosageInstruction"] = [dosage] + list(order.resource.get("dosageInstruction", [])[1:])
    return {
        "label": f"Change the dose to {_grams(dose.per_day_g)}",
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{seed}/{rec.pathway}/dose")),
        "isRecommended": True,
        "actions": [{"type": "update", "description": f"Set the IVIG dose to {_course(dose)} "
                                                      f"({dose.g_per_kg:g} g/kg per {dose.per} on {dose.dosing_weight_kg:g} kg)",
                     "resource": updated}],
    }


def _incomplete_detail(exc: IncompleteRecordError) -> str:
    lines = [f"The {exc.diagnosis} pathway reads facts this record does not give, so no recommendation is made "
             "rather than a guessed one.", "", "**Not recorded**", ""]
    lines += [f"- `{fact}`: {why}" for fact, why in sorted(exc.missing.items())]
    lines += ["", "_Decision support for review by a clinician; not medical advice._"]
    return "\n".join(lines)


def _problem_card(seed: str, summary: str, detail: str, base_url: str) -> dict:
    return {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{seed}/problem")),
        "summary": _summary(summary),
        "indicator": "warning",
        "detail": detail,
        "source": {"label": "ivig-rules", "url": f"{base_url}/pathways"},
    }
