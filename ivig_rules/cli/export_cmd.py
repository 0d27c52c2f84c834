"""``ivig-rules export``: whole-ruleset exports; ``export site`` writes the HTML atlas."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, handles_errors
from .conventions import new_app

app = new_app(
    "Export the whole ruleset.\n\n"
    "Examples:\nivig-rules export site atlas/"
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
