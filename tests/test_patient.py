"""Patients given as Python mappings: where an error or a patient came from is kept."""

from __future__ import annotations

import pytest

from conftest import adult
from ivig_rules.errors import PatientError
from ivig_rules.patient import patient_from_mapping


def test_a_library_callers_source_names_the_patient_and_its_errors(vocab):
    patient = patient_from_mapping(adult(diagnosis="gbs"), vocab, source="cohort row 3")
    assert patient.source == "cohort row 3"
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", age_years="forty"), vocab, source="cohort row 4")
    assert (caught.value.file, caught.value.key) == ("cohort row 4", "age_years")


@pytest.mark.parametrize(
    "treatments, words",
    [
        (None, ["'treatments' is empty; leave it out, or map each therapy to its status"]),
        (["ivig"], ["'treatments' maps each therapy to its status, e.g. {corticosteroids: failed}"]),
        ({"ivigg": "failed"}, ["unknown therapy 'ivigg'; therapies are: ", "corticosteroids, ", "ivig"]),
        ({"ivig": None}, ["no status given for ivig; write one of not_tried, ", "or leave the therapy out (it then counts as not tried)"]),
    ],
)
def test_each_wrong_treatments_entry_says_what_is_wrong(vocab, treatments, words):
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", treatments=treatments), vocab)
    for word in words:
        assert word in str(caught.value)
