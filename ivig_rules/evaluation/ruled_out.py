"""The pathway's next step when the safety screening rules IVIG out.

A screening contraindication (a known hypersensitivity to immunoglobulin) ends the IVIG step,
but the pathway itself says what comes when IVIG cannot be used (GBS: plasma exchange). The
patient is asked again with IVIG recorded as contraindicated, and only the next step and what
belongs to it carry over: the verdict, the deciding rule and the alerts stay the screening's.
Recording IVIG as contraindicated and recording the hypersensitivity then lead to the same step.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Pathway, Patient
from ..model.facts import treatment_fact
from .recommendation import Recommendation

__all__ = ["IVIG_STATUS", "RULED_OUT", "needs_next_step", "patient_with_ivig_ruled_out", "with_next_step"]

IVIG_STATUS = treatment_fact("ivig")
RULED_OUT = "contraindicated"


def needs_next_step(result: Recommendation, patient: Patient) -> bool:
    """Whether the screening (not the pathway) ruled IVIG out and no step was left."""
    return (
        result.ivig == RULED_OUT
        and result.pathway_verdict not in ("", RULED_OUT)
        and result.next_step is None
        and patient.facts.get(IVIG_STATUS) != RULED_OUT
    )


def patient_with_ivig_ruled_out(patient: Patient) -> Patient:
    return Patient({**patient.facts, IVIG_STATUS: RULED_OUT}, patient.source, patient.line)


def with_next_step(result: Recommendation, asked_again: Recommendation, pathway: Pathway) -> Recommendation:
    """``result`` with the step the pathway gives once IVIG is ruled out, said in a note and cited;
    the step's own notes close the notes, as they do for any step."""
    if asked_again.next_step is None or asked_again.step is None:
        return result
    step_notes = pathway.steps[asked_again.step].notes
    note = (
        f"With IVIG ruled out, the pathway's next step is {asked_again.step_label or asked_again.next_step} "
        f"({asked_again.decided_by}, the pathway's answer when IVIG is contraindicated)."
    )
    citations = result.citations + tuple(c for c in asked_again.citations if c not in result.citations)
    return replace(
        result,
        next_step=asked_again.next_step,
        step=asked_again.step,
        step_label=asked_again.step_label,
        line_of_therapy=asked_again.line_of_therapy,
        with_therapies=asked_again.with_therapies,
        dose=asked_again.dose,
        notes=result.notes + (note,) + ((step_notes,) if step_notes else ()),
        citations=citations,
    )
