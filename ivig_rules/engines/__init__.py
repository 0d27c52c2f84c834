"""The engines that run a compiled pathway, and the one registry that names them.

Every engine answers one question, which rules match these facts, so that the resolution of
verdicts, doses and alerts is shared code and the engines can be compared rule for rule.

Adding an engine: write its module (a class with ``name``, ``match`` and ``close``) and add one
line to ``BUILT_IN`` below; an engine shipped in another package instead declares an entry
point in the ``ivig_rules.engines`` group (``name = "package.module:Class"``). The CLI's
``--engine``, the pytest plugin's ``--ivig-engine``, the audit workers and the server all ask
this registry, so nothing else changes (``tests/test_engine_registry.py`` proves it with a
third engine registered from the tests).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol

if TYPE_CHECKING:  # naming an engine needs none of the rules machinery
    from ..logic.compiler import CompiledPathway

__all__ = ["Engine", "EngineSpec", "BUILT_IN", "ENGINES", "DEFAULT_ENGINE", "ENTRY_POINT_GROUP",
           "engine_names", "engine_spec", "make_engine", "tune_process"]

ENTRY_POINT_GROUP = "ivig_rules.engines"


class Engine(Protocol):
    name: str

    def match(self, compiled: "CompiledPathway", facts: dict[str, Any]) -> frozenset[str]:
        """Names of the compiled rules whose conditions hold for these engine facts."""

    def close(self) -> None:
        """Release what the engine holds."""


@dataclass(frozen=True)
class EngineSpec:
    """One engine: its name, where its class lives ("module:attr"), a one-line summary, and an
    optional process-wide tuning ("module:function") applied only in processes ivig-rules owns."""

    name: str
    target: str
    summary: str
    tuning: Optional[str] = None

    def load(self) -> Callable[[], Engine]:
        """The engine's class; one that cannot be imported is an EngineError naming where it was looked for."""
        try:
            return _resolve(self.target)
        except (ImportError, AttributeError, ValueError) as exc:
            from ..errors import EngineError

            raise EngineError(f"the engine {self.name!r} ({self.summary}) cannot be loaded from {self.target!r}: {exc}") from None

    def tune_process(self) -> None:
        tuning = _resolve(self.tuning) if self.tuning else getattr(self.load(), "tune_process", None)
        if tuning is not None:
            tuning()


BUILT_IN = (
    EngineSpec("durable", "ivig_rules.engines.durable:DurableEngine", "durable-rules",
               tuning="ivig_rules.engines.durable:keep_sessions_on_heap"),
    EngineSpec("reference", "ivig_rules.engines.reference:ReferenceEngine", "pure Python, the reference evaluator"),
)

ENGINES = tuple(spec.name for spec in BUILT_IN)  # the built-in engines; engine_names() adds installed ones
DEFAULT_ENGINE = "durable"


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _installed() -> dict[str, EngineSpec]:
    """Engines other packages declare as entry points (read on demand: the built-ins need no scan)."""
    from importlib.metadata import entry_points

    found = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in ENGINES:  # a built-in name cannot be taken over
            dist = getattr(point.dist, "name", None) or "an installed package"
            found[point.name] = EngineSpec(point.name, point.value, f"from {dist}")
    return found


def engine_names() -> tuple[str, ...]:
    """Every engine that can be named: the built-ins first, then the installed ones, sorted."""
    return ENGINES + tuple(sorted(_installed()))


def engine_spec(name: str) -> EngineSpec:
    """The engine called ``name``; an unknown name raises InputError with the names there are."""
    for spec in BUILT_IN:
        if spec.name == name:
            return spec
    installed = _installed()
    if name in installed:
        return installed[name]
    from ..errors import InputError, did_you_mean

    names = ENGINES + tuple(sorted(installed))
    raise InputError(f"unknown engine {name!r}; engines are: {', '.join(names)}.", suggestion=did_you_mean(name, names))


def make_engine(name: str = DEFAULT_ENGINE) -> Engine:
    """A new engine instance; each holds its own state, nothing is shared between instances."""
    return engine_spec(name).load()()


def tune_process(name: str) -> None:
    """Apply the engine's process-wide tuning, in a process ivig-rules owns (audit worker, server worker)."""
    engine_spec(name).tune_process()
