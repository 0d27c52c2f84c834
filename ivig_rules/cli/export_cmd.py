"""``ivig-rules export``: ``export site`` writes the HTML atlas, ``export handout`` one pathway's
one-page PDF handout, ``export fhir`` CPG-on-FHIR resources."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, handles_errors
from .conventions import new_app

app = new_app(
    "Export for readers: 'site' (or 'atlas') an HTML atlas, 'handout' one pathway's one-page PDF, 'fhir' CPG-on-FHIR resources.\n\n"
    "Examples:\nivig-rules export site atlas/\nivig-rules export handout ms_relapse -o ms_relapse.pdf\n"
    "ivig-rules export fhir fhir-out/"
)


@app.command("site", aliases=["atlas"])
@handles_errors
def site(
    outdir: Path = typer.Argument(..., help="Folder to write the site into (created if missing; our pages are overwritten)."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Write the HTML atlas: a front page, a review page and one page per pathway.

    The front page shows each pathway's teaching diagram as a thumbnail with its summary and
    evidence; each pathway page has the diagram (click a box for its rules, dose and
    references), steps, doses, rules, safety alerts and numbered references, and prints on one
    A4 landscape page. The site opens offline; drawing the diagrams needs Graphviz.
    'ivig-rules export atlas' is the same command under the name the docs give the site.

    Examples:
    ivig-rules export site atlas/
    ivig-rules export atlas atlas/
    ivig-rules export site atlas/ && xdg-open atlas/index.html
    """
    from ..loading.catalogue import load_catalogue
    from ..export.atlas import write_site

    catalogue = load_catalogue(rulesets)

    def report(path: Path, done: int, total: int) -> None:
        typer.echo(f"[{done}/{total}] wrote {path}", err=True)

    written = write_site(catalogue, outdir, progress=report)
    typer.echo(f"Atlas written: {len(written)} pages; open {outdir / 'index.html'}")


@app.command("handout")
@handles_errors
def handout(
    pathway: str = typer.Argument(..., help="Pathway id, for example ms_relapse."),
    output: Path = typer.Option(..., "--output", "-o", dir_okay=False, metavar="FILE.pdf", help="The PDF file to write."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Write one pathway's teaching diagram, notes and key as a one-page A4 landscape PDF,
    printed by headless Chromium from its atlas page. Needs Graphviz and Chromium (exit 3
    without them; set IVIG_RULES_CHROMIUM to choose the browser).

    Examples:
    ivig-rules export handout ms_relapse -o ms_relapse.pdf
    IVIG_RULES_CHROMIUM=google-chrome ivig-rules export handout adem -o adem.pdf
    """
    from ..loading.catalogue import load_catalogue
    from ..export.handout import write_handout
    from .graph_cmd import find_pathway

    catalogue = load_catalogue(rulesets)
    found = find_pathway(catalogue, pathway)
    written = write_handout(catalogue, found, output)
    typer.echo(f"Handout written: {written} (one A4 landscape page)")


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
    from ..loading.catalogue import load_catalogue
    from ..fhir.export import write_fhir

    try:
        written = write_fhir(load_catalogue(rulesets), outdir)
    except OSError as exc:
        from .common import fail

        raise fail(f"{outdir}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"FHIR resources written: {len(written)} files in {outdir}")
