"""The two engines that run a compiled pathway: durable-rules (default) and a reference evaluator.

Both answer one question, which rules match these facts, so that the resolution of verdicts,
doses and alerts is shared code and the engines can be compared rule for rule.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..logic.compiler import CompiledPathway

__all__ = ["Engine", "ENGINES", "DEFAULT_ENGINE", "make_engine"]

ENGINES = ("durable", "reference")
DEFAULT_ENGINE = "durable"


class Engine(Protocol):
    name: str

    def match(self, compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        """Names of the compiled rules whose conditions hold for these engine facts."""

    def close(self) -> None:
        """Release what the engine holds."""


def make_engine(name: str = DEFAULT_ENGINE) -> Engine:
    """A new engine instance; each holds its own state, nothing is shared between instances."""
    if name == "durable":
        from .durable import DurableEngine

        return DurableEngine()
    if name == "reference":
        from .reference import ReferenceEngine

        return ReferenceEngine()
    from ..errors import InputError, did_you_mean

    raise InputError(f"unknown engine {name!r}; engines are: {', '.join(ENGINES)}.", suggestion=did_you_mean(name, ENGINES))
