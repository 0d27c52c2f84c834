"""Small HTML building blocks for the atlas: escaping, tables, verdict badges, numbered citations.

Every piece of text from a ruleset goes through :func:`esc` (``html.escape``); the helpers
return HTML strings, so a caller never escapes twice or forgets to.
"""

from __future__ import annotations

import html
from typing import Iterable, Sequence

from ..model import Citation, Source

__all__ = ["esc", "table", "badge", "References", "page", "NOT_ADVICE", "NOT_ADVICE_TITLE", "paragraphs", "json_script"]

NOT_ADVICE_TITLE = "Not medical advice."
NOT_ADVICE = (
    "This atlas explains how the ivig-rules knowledge base encodes its "
    "sources, for teaching and review. It does not replace the judgement of a qualified "
    "clinician, product labelling or local protocols."
)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{esc(t)}</p>" for t in texts if t)


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, caption: str = "", cls: str = "", widths: Sequence[int] = ()
) -> str:
    """A table; headers are plain text (escaped here), cells are HTML already. With ``widths``
    (percentages, one per column) the columns are fixed, so long text wraps inside the page."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    classes = " ".join(c for c in (cls, "fixed" if widths else "") if c)
    klass = f' class="{esc(classes)}"' if classes else ""
    cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>" if widths else ""
    return f'<div class="table-wrap"><table{klass}>{cap}{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def badge(verdict: str | None, label: str) -> str:
    if not verdict:
        return '<span class="muted">-</span>'
    return f'<span class="badge v-{esc(verdict)}">{esc(label)}</span>'


class References:
    """Numbers sources in the order a page first cites them; renders [n] links and the list, where
    each source is given in full with the numbered references of it that the page cites."""

    def __init__(self, sources: dict[str, Source]) -> None:
        self._sources = sources
        self._numbers: dict[str, int] = {}
        self._cited: dict[str, list[Citation]] = {}

    def number(self, source: str) -> int:
        if source not in self._numbers:
            self._numbers[source] = len(self._numbers) + 1
        return self._numbers[source]

    def cite(self, citations: Iterable[Citation]) -> str:
        """Citations as links to the list, '[1] [2, ref. 5]', each with its readable reference
        as the link's title."""
        from ..model.citations import citation_text

        parts = []
        for citation in citations:
            n = self.number(citation.source)
            if citation.ref is not None and citation not in self._cited.setdefault(citation.source, []):
                self._cited[citation.source].append(citation)
            ref = f", ref. {citation.ref}" if citation.ref is not None else ""
            text = citation_text(citation, self._sources)
            parts.append(f'<a class="cite" href="#ref-{n}" title="{esc(text)}">[{n}{ref}]</a>')
        return " ".join(parts) if parts else '<span class="muted">-</span>'

    def cite_ids(self, source_ids: Iterable[str]) -> str:
        return self.cite(Citation(s) for s in source_ids)

    def _entries(self, source: Source) -> str:
        from ..model.citations import reference_text

        items = []
        for citation in sorted(self._cited.get(source.id, []), key=lambda c: (c.section or "", c.ref or 0)):
            section = source.sections.get(citation.section) if citation.section else None
            entries = {r.number: r for r in source.reference_list(citation.section if section else None)}
            entry = entries.get(citation.ref)
            where = f"{section.title}, " if section is not None else ""
            text = reference_text(entry) if entry is not None else "not in the source's list"
            items.append(f"<li>{esc(where)}ref. {citation.ref}: {esc(text)}</li>")
        return f'<ul class="cited-refs">{"".join(items)}</ul>' if items else ""

    def render(self) -> str:
        from ..model.citations import source_text

        items = []
        for source_id, n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            source = self._sources.get(source_id)
            if source is None:
                items.append(f'<li id="ref-{n}"><code>{esc(source_id)}</code> (not in sources.yaml)</li>')
                continue
            covers = f'<div class="covers">{esc(source.covers)}</div>' if source.covers else ""
            items.append(
                f'<li id="ref-{n}"><span class="src-title">{esc(source_text(source))}</span> '
                f'<span class="muted">({esc(source.kind)})</span>{covers}{self._entries(source)}</li>'
            )
        note = '<p class="muted">"ref. n" is the n-th entry of the numbered reference list inside that source.</p>'
        return f'<ol class="references">{"".join(items)}</ol>{note}'


def json_script(element_id: str, data) -> str:
    """Data for the page's script, inline: a JSON script element that no text can break out of."""
    import json

    text = json.dumps(data, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def page(title: str, body: str, css: str, script: str = "") -> str:
    """A whole HTML page: inline CSS, and an inline script when the page has one (offline)."""
    tail = f"<script>\n{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n{body}\n{tail}</body>\n</html>\n"
    )
