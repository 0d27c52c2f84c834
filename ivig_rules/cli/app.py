"""The Typer application; each command lives in its own module and is registered here."""

from __future__ import annotations

import typer

from . import audit_cmd, diff_cmd, evaluate_cmd, explain_cmd, export_cmd, graph_cmd, lint_cmd, run_cmd, serve_cmd, vocabulary_cmd

app = typer.Typer(
    name="ivig-rules",
    help=(
        "Source-cited IVIG rules for neurology: evaluate patients against treatment pathways "
        "and check scenario files. Decision support for clinicians; not medical advice."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("evaluate")(evaluate_cmd.evaluate)
app.command("run")(run_cmd.run)
app.command("vocabulary")(vocabulary_cmd.vocabulary)
app.command("lint")(lint_cmd.lint)
app.command("explain")(explain_cmd.explain)
app.command("diff")(diff_cmd.diff)
app.command("audit")(audit_cmd.audit)
app.command("graph")(graph_cmd.graph)
app.command("serve")(serve_cmd.serve)
app.add_typer(export_cmd.app, name="export")


def main() -> None:
    app(prog_name="ivig-rules")
