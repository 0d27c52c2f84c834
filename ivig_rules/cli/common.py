"""What every command shares: option types, error handling and output helpers."""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, Optional

import typer

from ..errors import IvigRulesError

def rulesets_option(purpose: str = "Rulesets folder") -> typer.models.OptionInfo:
    """The --rulesets option; ``purpose`` says what it is for where that is more than the folder to use."""
    return typer.Option(
        None,
        "--rulesets",
        help=f"{purpose} (default: $IVIG_RULES_RULESETS, else ./rulesets, else the project's own).",
        file_okay=False,
        show_default=False,
    )


RulesetsOption = rulesets_option()


class WeightPolicy(str, Enum):
    adjusted = "adjusted"
    actual = "actual"


def _known_engine(name: str) -> str:
    """Check --engine against the engine registry (installed engines included), with a did-you-mean."""
    from ..engines import ENGINES, engine_names

    if name in ENGINES or name in engine_names():  # the built-ins need no scan of installed packages
        return name
    problem = typer.BadParameter(f"unknown engine {name!r}")
    problem.choices = engine_names()  # read by the CLI's usage message, with its did-you-mean
    raise problem


def engine_option(default: str = "durable", purpose: str = "Rules engine") -> typer.models.OptionInfo:
    """The --engine option of every command that evaluates, checked against the engine registry."""
    from ..engines import BUILT_IN

    listed = "; ".join(f"{spec.name} ({spec.summary})" for spec in BUILT_IN)
    return typer.Option(default, "--engine", metavar="ENGINE", callback=_known_engine,
                        help=f"{purpose}: {listed}; or an installed engine.")


EngineOption = engine_option()
WeightPolicyOption = typer.Option(
    WeightPolicy.adjusted,
    "--weight-policy",
    help="Dosing weight: adjusted (IBW + 0.4 x excess for adults above ideal weight) or actual.",
)


def warn(message: str) -> None:
    """Say something to the user on standard error, in the CLI's one voice (each problem on its own line)."""
    typer.echo("\n".join(f"ivig-rules: {line}" for line in message.splitlines() or [""]), err=True)


def fail(message: str, code: int = 2) -> "typer.Exit":
    warn(message)
    return typer.Exit(code)


def exit_code_for(exc: BaseException) -> int:
    """Say what went wrong in one paragraph on standard error and give the exit code; no tracebacks.

    ivig-rules errors keep their own code (2 bad input, 3 no answer); anything else is a bug
    in ivig-rules (70), shown with its traceback when IVIG_RULES_DEBUG is set.
    """
    if isinstance(exc, IvigRulesError):
        warn(str(exc))
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        warn("interrupted")
        return 130
    if isinstance(exc, BrokenPipeError):
        return reader_gone()
    if os.environ.get("IVIG_RULES_DEBUG"):
        raise exc
    warn(
        f"internal error: {type(exc).__name__}: {exc}. This is a bug in ivig-rules; "
        "run again with IVIG_RULES_DEBUG=1 for the traceback and report it."
    )
    return 70


READER_GONE = 141  # 128 + SIGPIPE: what any Unix tool whose reader closed the pipe exits with


def reader_gone() -> int:
    """Standard output was closed by its reader (``| head``): stop quietly, with no message and
    not exit 1 (which means a check found something). As the Python docs advise (signal module,
    "Note on SIGPIPE"), standard output is pointed at devnull so that the flush at exit cannot
    fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's captured output)
        pass
    return READER_GONE


def handles_errors(func: Callable) -> Callable:
    """Turn every error a command raises into a one-paragraph message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            raise typer.Exit(exit_code_for(exc)) from None

    return wrapper


def write_output(text: str, path: Optional[Path]) -> None:
    """Write text to a file, or to standard output when no file is given or it is '-' (as for audit)."""
    if path is None or str(path) == "-":
        typer.echo(text)
        return
    from ..output.files import write_file

    write_file(path, text, what="report")
