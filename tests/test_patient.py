"""Patients given as Python mappings: where an error or a patient came from is kept."""

from __future__ import annotations

import pytest

from conftest import adult
from ivig_rules.errors import PatientError
from ivig_rules.loading.patient import patient_from_mapping


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


def test_right_treatments_do_not_hide_a_wrong_fact(vocab):
    """A patient with one wrong fact and valid treatments gets the one clear error, no crash."""
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", age_years=-3, treatments={"ivig": "failed"}), vocab)
    assert caught.value.key == "age_years"


def test_a_patient_file_is_read_and_its_errors_name_the_file(vocab, tmp_path):
    from ivig_rules.loading.patient import read_patient

    good = tmp_path / "patient.yaml"
    good.write_text("diagnosis: gbs\nage_years: 40\nsex: male\ntreatments: {ivig: failed}\n")
    patient = read_patient(good, vocab)
    assert (patient.diagnosis, patient["age_years"], patient["treatments.ivig"], patient.source) == ("gbs", 40, "failed", str(good))
    assert patient.line == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("diagnosis: gbs\nage_years: 40\nsex: mail\n")
    with pytest.raises(PatientError) as caught:
        read_patient(bad, vocab)
    assert (caught.value.file, caught.value.line, caught.value.key) == (str(bad), 3, "sex")


def test_a_weight_of_zero_is_refused_not_dosed(vocab):
    """weight_kg has a plausible minimum (0.25 kg, from the vocabulary): 0 kg would give a 0 g dose."""
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", weight_kg=0), vocab)
    assert caught.value.key == "weight_kg"
    assert "0 kg is out of range: must be at least 0.25 kg" in str(caught.value)
    assert patient_from_mapping(adult(diagnosis="gbs", weight_kg=0.5), vocab)["weight_kg"] == 0.5


@pytest.mark.parametrize("weight, height", [(0.3, 180), (400, 100), (2, 150)])
def test_a_weight_and_height_that_cannot_both_be_right_are_refused(vocab, weight, height):
    """Found by a new user: 0.3 kg at 180 cm gave '0.6 g in all'. Each number alone is in range."""
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", weight_kg=weight, height_cm=height), vocab)
    assert caught.value.key == "weight_kg" and "body-mass index" in str(caught.value)


@pytest.mark.parametrize("weight, height", [(0.5, 30), (3.4, 50), (70, 175), (250, 170), (30, 180)])
def test_a_weight_and_height_from_a_newborn_to_severe_obesity_are_read(vocab, weight, height):
    patient = patient_from_mapping(adult(diagnosis="gbs", weight_kg=weight, height_cm=height), vocab)
    assert (patient["weight_kg"], patient["height_cm"]) == (weight, height)


def test_out_of_range_numbers_are_told_in_their_unit(vocab):
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", weight_kg=500), vocab)
    assert "500 kg is out of range: must be at most 400 kg" in str(caught.value)


@pytest.mark.parametrize(
    "facts, key, words",
    [
        ({"ivig": "failed"}, "ivig", ["'ivig' is a therapy; give its status under 'treatments:' (treatments: {ivig: failed})"]),
        ({"ivgi": "failed"}, "ivgi", ["unknown fact 'ivgi'; therapy statuses go under 'treatments:'.", "treatments: {ivig: ...}"]),
        ({"wieght_kg": 70}, "wieght_kg", ["unknown fact 'wieght_kg'; patient facts are: id, ", "weight_kg"]),
    ],
)
def test_a_misplaced_or_misspelt_fact_is_named_with_what_was_meant(vocab, facts, key, words):
    with pytest.raises(PatientError) as caught:
        patient_from_mapping(adult(diagnosis="gbs", **facts), vocab)
    assert caught.value.key == key
    for word in words:
        assert word in str(caught.value)


def test_a_patient_the_fast_path_declines_gets_the_same_facts(vocab):
    """Text outside printable ASCII sends a valid patient through the full walk: same answer."""
    facts = adult(diagnosis="cidp", weight_kg=70.25, treatments={"ivig": "responded", "corticosteroids": "failed"})
    plain = patient_from_mapping({**facts, "id": "Zoe"}, vocab, source="a.yaml")
    walked = patient_from_mapping({**facts, "id": "Zoë"}, vocab, source="a.yaml")
    assert {**walked.facts, "id": "Zoe"} == dict(plain.facts)
    assert list(walked.facts) == sorted(walked.facts)
    assert walked["treatments.ivig"] == "responded" and walked["iga"] == vocab.facts["iga"].default
    assert (walked.source, walked.line) == ("a.yaml", plain.line)


def test_a_patient_from_standard_input_is_named_so_in_errors(vocab, monkeypatch):
    import io
    import sys

    from ivig_rules.loading.patient import read_patient

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"diagnosis: gbs\nage_years: 40\nsex: mail\n")))
    with pytest.raises(PatientError) as caught:
        read_patient("-", vocab)
    assert (caught.value.file, caught.value.line) == ("<stdin>", 3)


def test_plain_data_read_at_a_line_puts_every_error_on_that_line(vocab):
    """A parsed JSON Lines or CSV row is plain dicts: the loader names its line for every key, nested too."""
    from ivig_rules.loading.patient import patient_at

    row = {"diagnosis": "gbs", "age_years": 40, "sex": "male", "treatments": {"ivig": "sometimes"}, "wieght_kg": 70}
    with pytest.raises(PatientError) as caught:
        patient_at(row, vocab, "cohort.jsonl", 7)
    assert [(p.file, p.line, p.key) for p in caught.value.problems] == [
        ("cohort.jsonl", 7, "wieght_kg"), ("cohort.jsonl", 7, "treatments.ivig"),
    ]
