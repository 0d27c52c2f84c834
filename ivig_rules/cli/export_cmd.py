"""``ivig-rules export``: whole-ruleset exports; ``export site`` writes the HTML atlas."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, handles_errors

app = typer.Typer(
    help="Export the whole ruleset: 'site' writes a self-contained HTML atlas of every pathway; 'fhir' CPG-on-FHIR resources.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("site")
@handles_errors
def site(
    outdir: Path = typer.Argument(..., help="Folder to write the site into (created if missing; our pages are overwritten)."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Write an HTML atlas: an index and one page per pathway (diagram, steps, doses, rules,
    safety alerts, evidence, numbered references). Opens offline; needs Graphviz to draw.

    Example: ivig-rules export site atlas/
    """
    from ..catalogue import load_catalogue
    from ..export.atlas import write_site

    catalogue = load_catalogue(rulesets)

    def report(path: Path, done: int, total: int) -> None:
        typer.echo(f"[{done}/{total}] wrote {path}", err=True)

    written = write_site(catalogue, outdir, progress=report)
    typer.echo(f"Atlas written: {len(written)} pages; open {outdir / 'index.html'}")


@app.command("fhir")
@handles_errors
def fhir(
    outdir: Path = typer.Argument(..., help="Folder to write the FHIR resources into (created if missing)."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Write each pathway as a CPG-on-FHIR PlanDefinition (eca-rule; each rule an action with its
    condition in words and as an expression) and an ActivityDefinition per IVIG regimen
    (MedicationRequest, dose per kg), one JSON file each.

    Example: ivig-rules export fhir fhir-out/
    """
    from ..catalogue import load_catalogue
    from ..fhir.export import write_fhir

    try:
        written = write_fhir(load_catalogue(rulesets), outdir)
    except OSError as exc:
        from .common import fail

        raise fail(f"{outdir}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"FHIR resources written: {len(written)} files in {outdir}")
