"""``ivig-rules schema``: print or write the JSON Schema of a kind of file, for editors."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..schemas.registry import KINDS
from .common import RulesetsOption, fail, handles_errors, write_output

SchemaKind = Enum("SchemaKind", {name: name for name in KINDS}, type=str)
"""The kinds of :data:`ivig_rules.schemas.KINDS`, as the command's choices."""


@handles_errors
def schema(
    kind: Optional[SchemaKind] = typer.Argument(
        None, help="The kind of file: " + ", ".join(KINDS) + ". Left out: list the kinds.", show_default=False
    ),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Write to this file (with --all: this folder) instead of standard output."
    ),
    every: bool = typer.Option(False, "--all", help="Write every kind's schema into the -o folder as KIND.schema.json."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a kind of file, for an editor to check it as it is typed.

    The schema lists the facts, values, therapies, statuses and alerts of the rulesets' vocabulary,
    so an editor with the YAML language server completes them; docs/schemas.md says how to set
    one up and what only the loader checks. docs/schemas/ holds the project's schemas, written
    with --all.

    Examples:
    ivig-rules schema
    ivig-rules schema pathway
    ivig-rules schema scenario -o scenario.schema.json
    ivig-rules schema --all -o docs/schemas/
    """
    from ..schemas import kind_summary, to_json, write_schemas

    if every:
        if kind is not None or output is None:
            raise fail("--all writes every kind's schema into a folder: give -o FOLDER and no KIND")
        if output.exists() and not output.is_dir():
            raise fail(f"{output}: --all writes into a folder, and this is a file")
        try:
            written = write_schemas(output, rulesets)
        except OSError as exc:
            raise fail(f"{output}: cannot write the schemas: {exc.strerror or exc}") from None
        typer.echo(f"wrote {len(written)} schemas into {output}", err=True)
        return
    if kind is None:
        write_output(kind_summary(), output)
        return
    write_output(to_json(kind.value, rulesets).rstrip("\n"), output)
