"""A third engine needs only its own module and one registry entry: the proof, with a test engine.

The test engine ("walker": the reference evaluator's predicate walk, without the generated
matcher) is installed the way another package would install one, as an entry point in the
``ivig_rules.engines`` group, and then named on the command line of every tool that takes an
engine: run, evaluate, audit (in worker processes) and the pytest plugin. Nothing in
ivig-rules is edited for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, RULESETS, SCENARIOS
from ivig_rules.engines import ENGINES, engine_names, engine_spec, make_engine
from ivig_rules.errors import InputError

_ENGINE_MODULE = '''
from ivig_rules.engines.reference import ReferenceEngine


class WalkerEngine:
    """Walks every rule's condition; a second pure-Python engine, for the registry's test."""

    name = "walker"

    def match(self, compiled, facts):
        return ReferenceEngine.walk(compiled, facts)

    def close(self):
        pass
'''


@pytest.fixture(scope="module")
def plugin(tmp_path_factory) -> dict[str, str]:
    """A folder holding the engine module and its distribution's entry point; the environment that sees it."""
    folder = tmp_path_factory.mktemp("walker_plugin")
    (folder / "walker_engine.py").write_text(_ENGINE_MODULE)
    info = folder / "walker_engine-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: walker-engine\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[ivig_rules.engines]\nwalker = walker_engine:WalkerEngine\nbroken = walker_engine:NoSuchEngine\n"
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def _cli(env, *args, cwd=ROOT, stdin=None):
    return subprocess.run([sys.executable, "-m", "ivig_rules", *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=600)


def test_the_built_in_engines_come_from_one_registry():
    assert ENGINES == ("durable", "reference")
    assert engine_names()[:2] == ENGINES
    assert [make_engine(name).name for name in ("reference",)] == ["reference"]
    with pytest.raises(InputError) as raised:
        engine_spec("durabel")
    assert raised.value.suggestion == "durable" and "engines are: durable, reference" in str(raised.value)


def test_an_installed_engine_runs_every_scenario(plugin):
    result = _cli(plugin, "run", str(SCENARIOS), "--engine", "walker", "--rulesets", str(RULESETS))
    assert result.returncode == 0, result.stderr
    assert "engine walker" in result.stdout and re.search(r"\b[1-9]\d* passed, 0 failed\b", result.stdout)


def test_an_installed_engine_evaluates_a_patient_and_says_so(plugin):
    patient = {"diagnosis": "cidp", "age_years": 50, "sex": "female", "weight_kg": 70}
    walker = _cli(plugin, "evaluate", "-", "--json", "--engine", "walker", stdin=json.dumps(patient))
    reference = _cli(plugin, "evaluate", "-", "--json", "--engine", "reference", stdin=json.dumps(patient))
    assert walker.returncode == 0, walker.stderr
    answer, expected = json.loads(walker.stdout), json.loads(reference.stdout)
    assert answer.pop("engine") == "walker"
    expected.pop("engine")
    assert answer == expected


def test_audit_workers_use_an_installed_engine(plugin, tmp_path):
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("id,diagnosis,age_years,sex,weight_kg\na,cidp,50,female,70\nb,gbs,30,male,80\n")
    out = tmp_path / "out.jsonl"
    result = _cli(plugin, "audit", str(cohort), "-o", str(out), "--engine", "walker", "-w", "1")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["patient_id"], r["verdict"]) for r in rows] == [("a", "recommended"), ("b", "recommended")]
    assert "walker engine" in result.stderr


def test_the_pytest_plugin_takes_an_installed_engine(plugin, tmp_path):
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SCENARIOS / "gbs.yaml"),
                             "--ivig-engine", "walker", "--ivig-rulesets", str(RULESETS)],
                            env=plugin, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ passed", result.stdout)


def test_an_unknown_engine_is_refused_with_the_installed_ones_named(plugin):
    result = _cli(plugin, "run", str(SCENARIOS), "--engine", "walkr")
    assert result.returncode == 2
    assert "expected one of: durable, reference, broken, walker" in result.stderr and "Did you mean 'walker'?" in result.stderr


def test_an_installed_engine_that_cannot_be_loaded_is_one_clear_error(plugin):
    result = _cli(plugin, "run", str(SCENARIOS / "gbs.yaml"), "--engine", "broken")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "the engine 'broken' (from walker-engine) cannot be loaded from 'walker_engine:NoSuchEngine'" in result.stderr


def test_no_tool_compares_an_engine_name_outside_the_registry():
    package = ROOT / "ivig_rules"
    offenders = []
    for path in package.rglob("*.py"):
        if path.parent.name == "engines":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"engine\w*\s*(==|!=|in)\s*[\"'(]", line) or re.search(r"[\"'](durable|reference)[\"'],\s*[\"'](durable|reference)[\"']", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
