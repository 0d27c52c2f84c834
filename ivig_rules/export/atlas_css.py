"""The atlas's stylesheet, inlined into every page so the site needs no network or extra file."""

from __future__ import annotations

from .style import VERDICT_COLOURS

__all__ = ["atlas_css"]

_BASE = """\
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d4da; --bg-alt: #f6f8fa; --accent: #2166ac; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); }
header, nav.toc, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1rem; }
h1 { font-size: 1.7rem; margin: .4rem 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--rule); padding-bottom: .2rem; }
a { color: var(--accent); }
nav.crumbs { font-size: .9rem; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: .4rem 1rem; list-style: none; padding: 0; margin: .5rem 0; }
.meta { color: var(--muted); margin: .2rem 0 .8rem; }
.not-advice { border-left: 5px solid #b2182b; background: #fdf0f2; padding: .6rem .9rem; margin: .8rem 0; }
.muted { color: var(--muted); }
code { font-size: .88em; background: var(--bg-alt); padding: 0 .2em; border-radius: 3px; }
.table-wrap { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid var(--rule); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--bg-alt); }
tbody tr:nth-child(even) { background: #fbfcfd; }
figure.diagram { margin: .5rem 0; border: 1px solid var(--rule); border-radius: 6px; padding: .5rem; background: #fff; }
.diagram-scroll { overflow-x: auto; }
.diagram-scroll svg { display: block; margin: 0 auto; }
.diagram-open { margin: .3rem 0; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .3rem; }
.badge { display: inline-block; padding: 0 .45em; border-radius: 999px; border: 1px solid; font-size: .82rem; white-space: nowrap; }
.sev-contraindication { color: #b2182b; font-weight: 600; }
.sev-caution { color: #b35806; font-weight: 600; }
.sev-info { color: var(--muted); font-weight: 600; }
a.cite { text-decoration: none; white-space: nowrap; }
ol.references li { margin-bottom: .4rem; }
.src-title { font-weight: 600; }
.url { color: var(--muted); word-break: break-all; }
.covers { color: var(--muted); font-size: .85rem; }
.finding-error { color: #b2182b; font-weight: 600; }
.finding-warning { color: #b35806; font-weight: 600; }
footer { color: var(--muted); font-size: .85rem; border-top: 1px solid var(--rule); margin-top: 2.5rem; padding-top: .6rem; padding-bottom: 2rem; }
@media print { nav.toc, nav.crumbs, .diagram-open { display: none; } .diagram-scroll { overflow: visible; } .diagram-scroll svg { min-width: 0 !important; max-width: 100% !important; } }
"""


def atlas_css() -> str:
    """The stylesheet, with verdict colours taken from the diagrams' palette."""
    badges = "".join(
        f".badge.v-{verdict} {{ color: {line}; background: {fill}; border-color: {line}; }}\n"
        for verdict, (line, fill) in VERDICT_COLOURS.items()
    )
    return _BASE + badges
