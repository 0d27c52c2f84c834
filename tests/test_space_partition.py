"""Partitioning the fact space gives exactly the findings of enumerating it, patient for patient.

The lint's gap, overlap, dead- and masked-rule analysis partitions the space by the rules'
own comparisons (ivig_rules/logic/partition.py); the enumeration it replaced stays as the
reference. Both must give the same findings (counts, example patients, gap cubes, order) on
every shipped pathway, on the lint corpus and on generated pathways where every kind occurs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ivig_rules.logic.compiler import normalise
from ivig_rules.logic.fact_space import axes, enumerate_space
from ivig_rules.lint.space_checks import (
    pathway_space_findings,
    pathway_space_findings_by_enumeration,
    screening_space_findings,
    screening_space_findings_by_enumeration,
)
from ivig_rules.loading.rulesets import load_pathway
from ivig_rules.logic.partition import SpaceDiagram, satisfiable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generated_pathway import write_pathway  # noqa: E402

LINT_CORPUS = ("gapped.yaml", "overlapping.yaml", "dead_rule.yaml", "clean.yaml", "unreachable.yaml")


def _same(pathway, vocab) -> list[str]:
    new = pathway_space_findings(pathway, vocab)
    old = pathway_space_findings_by_enumeration(pathway, vocab)
    assert [f.to_dict() for f in new.findings] == [f.to_dict() for f in old.findings], pathway.id
    assert new.steps_used == old.steps_used, pathway.id
    return [f.code for f in new.findings]


def test_shipped_pathways_same_findings(catalogue):
    for pathway in catalogue.pathways.values():
        _same(pathway, catalogue.vocabulary)


def test_shipped_screening_same_findings(catalogue):
    vocab = catalogue.vocabulary
    assert screening_space_findings(catalogue.screening, vocab) == screening_space_findings_by_enumeration(
        catalogue.screening, vocab
    )


def test_lint_corpus_same_findings(catalogue):
    codes = set()
    for name in LINT_CORPUS:
        pathway = load_pathway(ROOT / "tests" / "rulesets" / name, catalogue.vocabulary)
        codes.update(_same(pathway, catalogue.vocabulary))
    assert {"gap", "overlap", "dead-rule"} <= codes


def test_generated_pathways_same_findings(catalogue, tmp_path):
    """Random rules over 2,940 patients: every kind of finding occurs and both methods agree."""
    codes: set[str] = set()
    for seed in range(16):
        path = write_pathway(tmp_path / f"random_{seed}.yaml", 3, 1, 1, shape="random", seed=seed, rules=3 + seed % 8)
        codes.update(_same(load_pathway(path, catalogue.vocabulary), catalogue.vocabulary))
    path = write_pathway(tmp_path / "lines.yaml", 3, 2, 1)
    assert _same(load_pathway(path, catalogue.vocabulary), catalogue.vocabulary) == []
    assert {"gap", "overlap", "dead-rule", "masked-rule", "redundant-rule"} <= codes


def test_cells_count_every_point_once(catalogue):
    """The hit sets' counts add up to the space, and each first point is the first in enumeration order."""
    from ivig_rules.engines.reference import holds

    pathway = catalogue.pathways["adem"]
    space = axes(pathway, catalogue.vocabulary)
    predicates = [normalise(rule.when) for rule in pathway.rules]
    diagram = SpaceDiagram(predicates, space)
    cells = diagram.cells()
    assert sum(cell.count for cell in cells) == diagram.size
    first: dict[int, dict] = {}
    for values in enumerate_space(space):
        facts = {("tx_" + k[len("treatments."):] if k.startswith("treatments.") else k): v for k, v in values.items()}
        mask = sum(1 << i for i, p in enumerate(predicates) if holds(p, facts))
        first.setdefault(mask, values)
    assert {cell.mask: diagram.values(cell.first) for cell in cells} == first


def test_satisfiable_folds_constants_and_compares():
    space = {"age_years": (0, 17.5, 18, 18.5, 120)}
    assert satisfiable(("cmp", "age_years", "<", 18), space)
    assert not satisfiable(("all", (("cmp", "age_years", "<", 18), ("cmp", "age_years", ">", 18))), space)
    assert satisfiable(("all", ()), {})
    assert not satisfiable(("any", ()), space)


@pytest.mark.parametrize("points", [10**6, 10**8])
def test_large_generated_space_is_partitioned_not_enumerated(catalogue, tmp_path, points):
    """Far past what enumeration allows (500,000 points), the findings still come, and are counted."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generated_pathway import shape_for, space_points

    shape = shape_for(points)
    path = write_pathway(tmp_path / "big.yaml", *shape)
    pathway = load_pathway(path, catalogue.vocabulary)
    result = pathway_space_findings(pathway, catalogue.vocabulary)
    assert result.findings == []
    assert sum(count for count, _ in result.steps_used.values()) <= space_points(*shape)
    assert SpaceDiagram([normalise(r.when) for r in pathway.rules], axes(pathway, catalogue.vocabulary)).size == space_points(*shape)
