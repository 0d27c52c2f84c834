"""pytest plugin: ``pytest scenarios/`` runs every scenario as a test item.

Registered through the ``pytest11`` entry point. A YAML file is collected only when it is a
scenario file (a top-level ``scenarios:`` or ``base_patient:`` key, or a misspelling of one,
which is then reported rather than skipped; or a file named on the command line itself) and
lies under a path given on the command line - never under the project's ``testpaths`` folders merely because they were searched
(so ``pytest`` and ``pytest tests/`` never pick up the bad-input corpora kept there; name such
a folder itself to collect it). Failures list expected against actual, field by field,
with file:line. Options: ``--ivig-engine``, ``--ivig-rulesets``, ``--tag``. See docs/pytest-plugin.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

_SUFFIXES = (".yaml", ".yml")
_TOP_KEY = re.compile(r"^([\"']?)([A-Za-z_][\w-]*)\1[ \t]*:", re.MULTILINE)
_SCENARIO_FILE_KEYS = ("scenarios", "base_patient")
_PEEK_BYTES = 4 * 1024 * 1024
_EVALUATORS = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    from .engines import BUILT_IN, DEFAULT_ENGINE

    group = parser.getgroup("ivig-rules", "ivig-rules scenario files")
    group.addoption(
        "--ivig-engine", dest="ivig_engine", default=DEFAULT_ENGINE, metavar="ENGINE",
        help="Rules engine for scenario files: " + "; ".join(f"{s.name} ({s.summary})" for s in BUILT_IN)
        + f"; or an installed engine (default: {DEFAULT_ENGINE}).",
    )
    group.addoption(
        "--ivig-rulesets", dest="ivig_rulesets", default=None, metavar="DIR",
        help="Rulesets folder for scenario files (default: $IVIG_RULES_RULESETS, ./rulesets, the project's).",
    )
    group.addoption(
        "--tag", "--ivig-tag", dest="ivig_tags", action="append", default=[], metavar="TAG",
        help="Run only scenarios with this tag (repeatable).",
    )


def pytest_configure(config: pytest.Config) -> None:
    from .engines import engine_spec
    from .errors import InputError

    try:
        engine_spec(config.getoption("ivig_engine"))  # the engine registry says which names there are
    except InputError as exc:
        raise pytest.UsageError(f"--ivig-engine: {exc}") from None
    config.stash[_EVALUATORS] = {}


def pytest_unconfigure(config: pytest.Config) -> None:
    for evaluator in config.stash.get(_EVALUATORS, {}).values():
        evaluator.close()


def _evaluator(config: pytest.Config):
    """One evaluator per session (loading the rules once), closed when pytest ends."""
    from .evaluation.evaluator import Evaluator

    engine = config.getoption("ivig_engine")
    rulesets = config.getoption("ivig_rulesets")
    cache = config.stash[_EVALUATORS]
    key = (engine, rulesets)
    if key not in cache:
        cache[key] = Evaluator(rulesets, engine=engine)
    return cache[key]


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _wanted(config: pytest.Config, file: Path) -> bool | str:
    """Under a path given on the command line, and not just inside a testpaths folder searched whole.

    Returns ``"named"`` when the file itself was given.
    """
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False
    base = Path(config.invocation_params.dir)
    testpaths = [(config.rootpath / p).resolve() for p in config.getini("testpaths")]
    for arg in config.args:
        given = (base / str(arg).split("::")[0]).resolve()
        if given == file:
            return "named"
        if not _within(file, given):
            continue
        if any(_within(file, t) and _within(t, given) for t in testpaths):
            continue
        return True
    return False


def _looks_like_scenarios(file: Path) -> bool:
    """A top-level key of a scenario file, or one close enough to be a misspelling of one."""
    from .errors import did_you_mean

    try:
        if file.stat().st_size > _PEEK_BYTES:
            return True  # let the reader refuse it with a proper message
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    keys = {match.group(2) for match in _TOP_KEY.finditer(text)}
    return any(key in _SCENARIO_FILE_KEYS or did_you_mean(key, _SCENARIO_FILE_KEYS) for key in keys)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix not in _SUFFIXES:
        return None
    wanted = _wanted(parent.config, file_path.resolve())
    if not wanted or (wanted != "named" and not _looks_like_scenarios(file_path)):
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tags = set(config.getoption("ivig_tags") or ())
    if not tags:
        return
    keep, drop = [], []
    for item in items:
        if isinstance(item, ScenarioItem) and not tags & set(item.scenario.tags):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator["ScenarioItem"]:
        from .errors import IvigRulesError
        from .scenarios.files import load_scenario_file

        try:
            vocab = _evaluator(self.config).vocabulary
            scenarios = load_scenario_file(self.path, vocab)
        except IvigRulesError as exc:
            raise self.CollectError(str(exc)) from None
        for scenario in scenarios:
            name = scenario.name.replace("::", ": ")
            item = ScenarioItem.from_parent(self, name=name, scenario=scenario)
            if scenario.skip is not None:
                item.add_marker(pytest.mark.skip(reason=scenario.skip))
            yield item


class ScenarioMismatch(Exception):
    """The recommendation differs from what the scenario expects."""

    def __init__(self, mismatches, recommendation) -> None:
        super().__init__(mismatches)
        self.mismatches = mismatches
        self.recommendation = recommendation


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.extra_keyword_matches.update(scenario.tags)

    def runtest(self) -> None:
        from .scenarios.runner import check

        rec = _evaluator(self.config).evaluate(self.scenario.patient)
        mismatches = check(self.scenario, rec)
        if mismatches:
            raise ScenarioMismatch(mismatches, rec)

    def repr_failure(self, excinfo, style=None):
        from .errors import IvigRulesError

        head = f"{self.scenario.where}: scenario {self.scenario.name!r}"
        if isinstance(excinfo.value, ScenarioMismatch):
            lines = [head, "expected vs actual:"]
            for m in excinfo.value.mismatches:
                where = f" ({self.scenario.file}:{m.line})" if m.line else ""
                lines.append(f"  {m.describe()}{where}")
            rec = excinfo.value.recommendation
            lines.append(f"decided by {rec.decided_by} (engine {rec.engine}); run 'ivig-rules explain' on the patient for the trace")
            return "\n".join(lines)
        if isinstance(excinfo.value, IvigRulesError):
            return f"{head}\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        line = (self.scenario.line or 1) - 1
        return self.path, line, f"scenario: {self.scenario.name}"
