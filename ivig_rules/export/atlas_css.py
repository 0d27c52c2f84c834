"""The atlas's stylesheet, inlined into every page so the site needs no network or extra file.

Screen: pages no wider than the window (tables wrap, the diagram scales to the page's width),
a details panel that slides over the right edge. Print: a pathway page is one A4 landscape
page holding the title, the diagram (with its notes and key) and a line saying it is not
medical advice; the tables and panel are left out.
"""

from __future__ import annotations

from .style import VERDICT_COLOURS
from .teaching_style import IVIG_FILL, IVIG_LINE

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
.summary-line { font-size: 1.05rem; }
.not-advice { border-left: 5px solid #b2182b; background: #fdf0f2; padding: .6rem .9rem; margin: .8rem 0; }
.muted { color: var(--muted); }
code { font-size: .88em; background: var(--bg-alt); padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
time, .nowrap { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: .6rem 0 1rem; table-layout: auto; }
td, th { overflow-wrap: break-word; }
table.fixed { table-layout: fixed; }
table.fixed td { overflow-wrap: anywhere; }
thead th { hyphens: manual; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid var(--rule); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--bg-alt); }
tbody tr:nth-child(even) { background: #fbfcfd; }
figure.diagram { margin: .5rem 0; border: 1px solid var(--rule); border-radius: 6px; padding: .5rem; background: #fff; }
figure.diagram svg { display: block; width: 100%; height: auto; margin: 0 auto; }
figure.diagram .clickable { cursor: pointer; }
figure.diagram .clickable:hover polygon, figure.diagram .clickable:hover ellipse, figure.diagram .clickable:hover path { stroke-width: 3; }
figure.diagram .clickable:focus { outline: none; }
figure.diagram .clickable:focus polygon, figure.diagram .clickable.selected polygon, figure.diagram .clickable.selected ellipse { stroke: #b35806; stroke-width: 3; }
.diagram-open { margin: .3rem 0; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .3rem; }
.badge { display: inline-block; padding: 0 .45em; border-radius: 999px; border: 1px solid; font-size: .82rem; white-space: nowrap; }
.sev-contraindication { color: #b2182b; font-weight: 600; }
.sev-caution { color: #b35806; font-weight: 600; }
.sev-info { color: var(--muted); font-weight: 600; }
a.cite { text-decoration: none; white-space: nowrap; }
ol.references li { margin-bottom: .4rem; }
.src-title { font-weight: 600; }
.url { color: var(--muted); overflow-wrap: anywhere; }
.covers { color: var(--muted); font-size: .85rem; }
.finding-error { color: #b2182b; font-weight: 600; }
.finding-warning { color: #b35806; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 1rem; padding: 0; list-style: none; }
.card { border: 1px solid var(--rule); border-radius: 8px; padding: .7rem; background: #fff; display: flex; flex-direction: column; gap: .4rem; }
.card img { width: 100%; height: 190px; object-fit: contain; background: #fff; border-bottom: 1px solid var(--rule); }
.card h3 { font-size: 1.02rem; margin: .2rem 0 0; }
.card p { margin: 0; font-size: .9rem; }
.card .evidence { color: var(--muted); font-size: .85rem; }
aside#node-details { position: fixed; top: 0; right: 0; width: min(440px, 92vw); height: 100vh; overflow-y: auto; background: #fff;
  border-left: 2px solid var(--accent); box-shadow: -6px 0 18px rgba(0,0,0,.15); padding: 1rem 1.1rem 2rem; z-index: 10; font-size: .92rem; }
aside#node-details[hidden] { display: none; }
aside#node-details .close { float: right; font-size: 1rem; border: 1px solid var(--rule); background: var(--bg-alt); border-radius: 4px; cursor: pointer; }
aside#node-details h2 { font-size: 1.1rem; margin-top: .3rem; }
aside#node-details h3 { font-size: .98rem; margin: 1rem 0 .3rem; }
aside#node-details h4 { font-size: .92rem; margin: .3rem 0; }
aside#node-details .kind { color: var(--muted); margin: 0; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
aside#node-details section.rule { border: 1px solid var(--rule); border-radius: 6px; padding: .4rem .6rem; margin: .4rem 0; }
aside#node-details dl { display: grid; grid-template-columns: 5.5em 1fr; gap: .15rem .5rem; margin: .2rem 0; }
aside#node-details dt { color: var(--muted); }
aside#node-details dd { margin: 0; overflow-wrap: anywhere; }
aside#node-details ul.cites { font-size: .84rem; color: var(--muted); padding-left: 1.1rem; margin: .3rem 0; }
aside#node-details .rule-id { font-size: .78rem; color: var(--muted); margin: .2rem 0 0; }
.note-text { color: var(--muted); }
.verdict-group h3 { margin: 1rem 0 .2rem; font-size: 1rem; }
.verdict-group p { margin: 0 0 .2rem; }
footer { color: var(--muted); font-size: .85rem; border-top: 1px solid var(--rule); margin-top: 2.5rem; padding-top: .6rem; padding-bottom: 2rem; }
.print-only { display: none; }
@page { size: A4 landscape; margin: 8mm; }
@media print {
  html, body { width: 281mm; }
  body { font-size: 10pt; }
  header, main, footer { max-width: none; padding: 0; }
  nav.toc, nav.crumbs, .diagram-open, aside#node-details, .not-advice, header .meta, main > section:not(#diagram),
  #diagram > h2, figcaption, footer { display: none !important; }
  h1, .summary-line { display: none; }
  .print-only { display: block; font-size: 8pt; color: #444; margin: 1mm 0 0; }
  figure.diagram { border: none; padding: 0; margin: 0; break-inside: avoid; page-break-inside: avoid; }
  figure.diagram svg { width: 100% !important; height: 178mm !important; max-width: none !important; }
}
"""


def atlas_css() -> str:
    """The stylesheet, with verdict colours taken from the palette the badges use."""
    badges = "".join(
        f".badge.v-{verdict} {{ color: {line}; background: {fill}; border-color: {line}; }}\n"
        for verdict, (line, fill) in VERDICT_COLOURS.items()
    )
    ivig = f".badge.ivig {{ color: {IVIG_LINE}; background: {IVIG_FILL}; border-color: {IVIG_LINE}; }}\n"
    return _BASE + badges + ivig
