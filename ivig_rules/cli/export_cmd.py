"""``ivig-rules export``: ``export site`` writes the HTML atlas; ``export handout`` one pathway's
one-page PDF handout."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, handles_errors

app = typer.Typer(
    help="Export for readers: 'site' writes a self-contained HTML atlas of every pathway; 'handout' one pathway's one-page PDF.",
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


@app.command("handout")
@handles_errors
def handout(
    pathway: str = typer.Argument(..., help="Pathway id, for example ms_relapse."),
    output: Path = typer.Option(..., "--output", "-o", help="The PDF file to write, FILE.pdf.", dir_okay=False),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Write one pathway's teaching diagram, notes and key as a one-page A4 landscape PDF,
    printed by headless Chromium from its atlas page. Needs Graphviz and Chromium (exit 3
    without them; set IVIG_RULES_CHROMIUM to choose the browser).

    Example: ivig-rules export handout ms_relapse -o ms_relapse.pdf
    """
    from ..catalogue import load_catalogue
    from ..export.handout import write_handout
    from .graph_cmd import find_pathway

    catalogue = load_catalogue(rulesets)
    found = find_pathway(catalogue, pathway)
    written = write_handout(catalogue, found, output)
    typer.echo(f"Handout written: {written} (one A4 landscape page)")
