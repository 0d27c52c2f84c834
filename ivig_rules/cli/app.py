"""The Typer application; each command lives in its own module and is registered here.

Commands registered on ``app`` (and on sub-apps made with :func:`conventions.new_app`) get the
CLI's help and usage-error conventions without doing anything; see :mod:`.conventions`.
"""

from __future__ import annotations

import typer

from . import audit_cmd, diff_cmd, evaluate_cmd, explain_cmd, export_cmd, graph_cmd, lint_cmd, run_cmd, schema_cmd, serve_cmd, vocabulary_cmd
from .conventions import new_app

app = new_app(
    "Source-cited IVIG rules for neurology: evaluate patients against treatment pathways and check "
    "scenario files. Decision support for clinicians; not medical advice.\n\n"
    "Exit status: 0 success; 1 a check found something (failed scenarios, lint findings, changed "
    "patients, cohort rows with errors); 2 invalid input or usage; 3 no answer (a gap in the rules, "
    "an engine failure, a missing tool such as Graphviz).\n\n"
    "Examples:\n"
    "ivig-rules evaluate patient.yaml\n"
    "ivig-rules run scenarios/\n"
    "ivig-rules run --help",
    name="ivig-rules",
)


def _show_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"ivig-rules {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_show_version
    ),
) -> None:
    """Source-cited IVIG rules for neurology."""


app.command("evaluate")(evaluate_cmd.evaluate)
app.command("run")(run_cmd.run)
app.command("vocabulary")(vocabulary_cmd.vocabulary)
app.command("lint")(lint_cmd.lint)
app.command("explain")(explain_cmd.explain)
app.command("diff")(diff_cmd.diff)
app.command("audit")(audit_cmd.audit)
app.command("graph")(graph_cmd.graph)
app.command("serve")(serve_cmd.serve)
app.command("schema")(schema_cmd.schema)
app.add_typer(export_cmd.app, name="export")


def main() -> None:
    app(prog_name="ivig-rules")
