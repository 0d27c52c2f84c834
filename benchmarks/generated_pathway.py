"""Seeded generator of synthetic pathway files whose fact space has a chosen size (never clinical).

Used by benchmarks/analysis.py (how lint grows from 10^4 to 10^8 points) and by
tests/test_space_partition.py (partitioning and enumeration give the same findings).

Two shapes, both written as ordinary pathway YAML against the shipped vocabulary:

* ``lines``: lines of therapy as the shipped pathways have them (each therapy once the earlier
  ones are exhausted, a response ends the pathway, flags and an age threshold add alerts or
  change a verdict, "otherwise not indicated" last). Lint-clean apart from what it implies.
* ``random``: rules of random comparisons joined by all/any/not, without a catch-all, so
  that gaps, overlaps, dead and masked rules all occur.

The fact space is 6 statuses for IVIG and 7 for each other therapy (``unavailable`` is not a
status of IVIG) x 2 per flag x the age values (2 bounds and 3 per threshold), so
``shape_for(points)`` picks the smallest combination with at least that many. The flags are
plain true/false facts (the safety facts, which may also be ``unknown``, are left out).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

__all__ = ["pathway_document", "write_pathway", "shape_for", "space_points", "THERAPIES", "FLAGS"]

THERAPIES = ("corticosteroids", "plasma_exchange", "immunosuppressants", "dmt", "hormonal_therapy",
             "antiseizure_medication", "ivig")
FLAGS = ("severe", "recurrent", "exacerbation", "pregnant", "breastfeeding", "postpartum", "meningoencephalitis")
# Values each flag takes in the vocabulary: true and false, and 'unknown' where a fact is
# fail-safe (meningoencephalitis, unknown until assessed).
FLAG_VALUES = {"meningoencephalitis": 3}
STATUSES = ("not_tried", "ongoing", "responded", "failed", "intolerant", "contraindicated", "unavailable")
EXHAUSTED = ["failed", "intolerant", "contraindicated", "unavailable"]


def _statuses(therapy: str) -> tuple[str, ...]:
    """The statuses a therapy can have: 'unavailable' is not one of IVIG's."""
    return STATUSES[:-1] if therapy == "ivig" else STATUSES


def _exhausted(therapy: str) -> list[str]:
    return [s for s in EXHAUSTED if s in _statuses(therapy)]
SOURCE = "001_31bd74f6d628a3ef.txt"


def space_points(therapies: int, flags: int, age_thresholds: int) -> int:
    # IVIG is always among the therapies (6 statuses); each other one has 7
    flag_points = 1
    for flag in FLAGS[:flags]:
        flag_points *= FLAG_VALUES.get(flag, 2)
    return 6 * 7 ** (therapies - 1) * flag_points * ((2 + 3 * age_thresholds) if age_thresholds else 1)


def shape_for(points: int) -> tuple[int, int, int]:
    """(therapies, flags, age thresholds) giving the smallest fact space of at least ``points``."""
    best = None
    for therapies in range(1, len(THERAPIES) + 1):
        for flags in range(len(FLAGS) + 1):
            for ages in range(3):
                size = space_points(therapies, flags, ages)
                if size >= points and (best is None or size < best[0]):
                    best = (size, (therapies, flags, ages))
    if best is None:
        raise ValueError(f"no generated shape reaches {points:,} points")
    return best[1]


def _header(pathway_id: str, diagnosis: str, steps: dict, doses: dict) -> dict[str, Any]:
    return {
        "pathway": {
            "id": pathway_id, "title": f"Generated pathway {pathway_id}", "diagnosis": diagnosis,
            "version": "1.0.0", "status": "draft", "last_reviewed": "2026-01-01", "sources": [SOURCE],
            "summary": "A synthetic pathway for benchmarks; not clinical advice.",
        },
        "steps": steps,
        "doses": doses,
    }


def _rule(rule_id: str, when: dict | None, then: dict, from_: Any = "start") -> dict[str, Any]:
    rule = {"id": rule_id, "description": f"Generated rule {rule_id}.", "from": from_}
    if when:
        rule["when"] = when
    rule.update({"then": then, "evidence": "expert_opinion", "cite": [SOURCE]})
    return rule


def _lines(therapies: tuple[str, ...], flags: tuple[str, ...], ages: tuple[int, ...]) -> list[dict]:
    rules = []
    for k, therapy in enumerate(therapies):
        before = {f"treatments.{t}": {"in": _exhausted(t)} for t in therapies[:k]}
        start = "start" if k == 0 else f"s_{therapies[k - 1]}"
        verdict = "recommended" if therapy == "ivig" else "not_yet"
        if k == 0 and flags:
            rules.append(_rule(f"severe_{therapy}", {**before, f"treatments.{therapy}": {"in": ["not_tried", "ongoing"]},
                                                     flags[0]: True},
                               {"ivig": "consider" if therapy != "ivig" else "recommended", "next_step": f"s_{therapy}"}, start))
            rules.append(_rule(f"line_{therapy}", {**before, f"treatments.{therapy}": {"in": ["not_tried", "ongoing"]},
                                                   flags[0]: False},
                               {"ivig": verdict, "next_step": f"s_{therapy}"}, start))
        else:
            rules.append(_rule(f"line_{therapy}", {**before, f"treatments.{therapy}": {"in": ["not_tried", "ongoing"]}},
                               {"ivig": verdict, "next_step": f"s_{therapy}"}, start))
        rules.append(_rule(f"responded_{therapy}", {**before, f"treatments.{therapy}": "responded"},
                           {"ivig": "not_indicated"}, f"s_{therapy}"))
    for flag in flags[1:]:
        rules.append(_rule(f"alert_{flag}", {flag: True, "not": {f"treatments.{therapies[0]}": "responded"}},
                           {"alerts": ["renal_impairment"]}))
    for i, age in enumerate(ages):
        rules.append(_rule(f"age_{i}", {"age_years": {"<": age}}, {"alerts": ["premedication"]}))
    exhausted = {f"treatments.{t}": {"in": _exhausted(t)} for t in therapies}
    rules.append(_rule("all_exhausted", exhausted, {"ivig": "not_indicated"}, f"s_{therapies[-1]}"))
    return rules


def _random_condition(rng: random.Random, therapies, flags, ages, depth: int = 0) -> dict:
    """A random condition: comparisons joined by all/any/not."""
    kind = rng.random()
    if depth < 2 and kind < 0.25:
        return {"any": [_random_condition(rng, therapies, flags, ages, depth + 1) for _ in range(rng.randint(2, 3))]}
    if depth < 2 and kind < 0.35:
        return {"not": _random_condition(rng, therapies, flags, ages, depth + 1)}
    out: dict[str, Any] = {}
    for _ in range(rng.randint(1, 3)):
        pick = rng.random()
        if pick < 0.6 or not (flags or ages):
            therapy = rng.choice(therapies)
            statuses = _statuses(therapy)
            out[f"treatments.{therapy}"] = rng.choice(
                [rng.choice(statuses), {"in": rng.sample(statuses, rng.randint(2, 4))}, {"!=": rng.choice(statuses)}]
            )
        elif pick < 0.85 and flags:
            out[rng.choice(flags)] = rng.random() < 0.5
        elif ages:
            out["age_years"] = {rng.choice(["<", "<=", ">", ">="]): rng.choice(ages)}
    return out


def _random(rng: random.Random, therapies, flags, ages, count: int) -> list[dict]:
    verdicts = ["recommended", "consider", "not_yet", "not_indicated"]
    rules = []
    for i in range(count):
        then: dict[str, Any] = {"ivig": rng.choice(verdicts)}
        if then["ivig"] == "recommended":
            then["next_step"] = "s_ivig"
        elif rng.random() < 0.5 and len(therapies) > 1:
            then["next_step"] = f"s_{rng.choice(therapies[:-1])}"  # the last therapy is ivig
        if rng.random() < 0.2:
            then = {"alerts": ["renal_impairment"]}
        when = _random_condition(rng, therapies, flags, ages)
        if rng.random() < 0.1:  # a contradiction: a dead rule
            therapy = rng.choice(therapies)
            when = {"all": [when, {f"treatments.{therapy}": "failed"}, {f"treatments.{therapy}": "responded"}]}
        rules.append(_rule(f"rule_{i}", when, then))
    return rules


def pathway_document(
    therapies: int, flags: int, age_thresholds: int, *, shape: str = "lines", seed: int = 1, rules: int = 12,
    pathway_id: str | None = None, diagnosis: str = "cidp",
) -> dict[str, Any]:
    """A pathway file's content with a fact space of :func:`space_points` points."""
    chosen = THERAPIES[len(THERAPIES) - therapies:]  # ivig always among them
    flag_names = FLAGS[:flags]
    ages = (18, 65)[:age_thresholds]
    steps = {
        f"s_{t}": {"therapy": t, "line": i + 1, "label": f"Line {i + 1}: {t}", "cite": [SOURCE], **({"dose": "course"} if t == "ivig" else {})}
        for i, t in enumerate(chosen)
    }
    doses = {"course": {"therapy": "ivig", "phase": "induction", "g_per_kg": 2, "per": "course", "days": 5, "cite": [SOURCE]}}
    pathway_id = pathway_id or f"generated_{shape}_{space_points(therapies, flags, age_thresholds)}"
    doc = _header(pathway_id, diagnosis, steps, doses)
    if shape == "lines":
        doc["rules"] = _lines(chosen, flag_names, ages)
    else:
        doc["rules"] = _random(random.Random(seed), chosen, flag_names, ages, rules)
    return doc


def write_pathway(path: Path, *args: Any, **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(pathway_document(*args, **kwargs), sort_keys=False), encoding="utf-8")
    return path
