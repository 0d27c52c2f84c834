"""``ivig-rules export``: whole-ruleset exports; ``export site`` writes the HTML atlas."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, handles_errors
from .conventions import new_app

app = new_app(
    "Export the whole ruleset: 'site' an HTML atlas, 'fhir' CPG-on-FHIR resources.\n\n"
    "Examples:\nivig-rules export site atlas/\nivig-rules export fhir fhir-out/"
)


@app.command("site")
@handles_errors
def site(
    outdir: Path = typer.Argument(..., help="Folder to write the site into (created if missing; our pages are overwritten)."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Write the HTML atlas: an index and one page per pathway.

    Each page has the pathway's diagram, steps, doses, rules, safety alerts, evidence and
    numbered references. The site opens offline; drawing the diagrams needs Graphviz.

    Examples:
    ivig-rules export site atlas/
    ivig-rules export site atlas/ && xdg-open atlas/index.html
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

    Examples:
    ivig-rules export fhir fhir-out/
    ivig-rules export fhir fhir-out/ --rulesets my-rulesets/
    """
    from ..catalogue import load_catalogue
    from ..fhir.export import write_fhir

    try:
        written = write_fhir(load_catalogue(rulesets), outdir)
    except OSError as exc:
        from .common import fail

        raise fail(f"{outdir}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"FHIR resources written: {len(written)} files in {outdir}")
