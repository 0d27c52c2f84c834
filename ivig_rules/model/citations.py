"""Citations as references a clinician can look up, in one place for every output.

A ruleset cites ``"001_31bd74f6d628a3ef.txt [4]"`` (a source id, the section that numbers its
references where the source has sections, and a reference number); readers are shown
"Goodin DS et al., Neurology 2002, cited in the MS FAQ [4]". The text output, the JSON
``citations`` (their ``text``), the atlas and the server all use :func:`citation_text`;
:func:`source_text` and :func:`reference_text` write the full entries of a reference list.
Everything comes from ``rulesets/sources.yaml``: no output points at a folder of files.
"""

from __future__ import annotations

from typing import Mapping

from .sources import Citation, Reference, Source

__all__ = ["citation_text", "source_text", "reference_text", "with_text"]


def _authored(authors: str, published_in: str, year: int | None) -> str:
    where = " ".join(part for part in (published_in, str(year) if year else "") if part)
    return ", ".join(part for part in (authors, where) if part)


def _name(source: Source) -> str:
    """'MS FAQ (Cleveland Clinic)': how a source is named inside a citation."""
    if source.kind == "external":
        if source.authors:
            return _authored(source.authors, source.published_in, source.year)
        return f"{source.publisher}: {source.title}" if source.publisher else source.title
    short = source.short_title or source.title
    return f"{short} ({source.publisher})" if source.publisher else short


def citation_text(citation: Citation, sources: Mapping[str, Source]) -> str:
    """The readable form of one citation.

    * a numbered reference: "Goodin DS et al., Neurology 2002, cited in the MS FAQ [4]";
    * with a section: "... cited in the neuromuscular IVIG page (GBS: treatment and dosing) [3]";
    * a whole seed: "MS FAQ (Cleveland Clinic)", or "neuromuscular IVIG page (KabaFusion): MMN";
    * an external source: "Van den Bergh PYK et al., Eur J Neurol 2021" or "Publisher: Title".

    A citation of a source the registry does not hold is shown as written (the loader refuses
    such citations in rulesets, so this only happens for hand-made ones).
    """
    source = sources.get(citation.source)
    if source is None:
        return str(citation)
    section = source.sections.get(citation.section) if citation.section else None
    if citation.ref is not None:
        entries = {r.number: r for r in source.reference_list(citation.section if section else None)}
        entry = entries.get(citation.ref)
        where = source.short_title or source.title
        if section is not None:
            where += f" ({section.title})"
        if entry is None:
            return f"{where} [{citation.ref}]"
        return f"{_authored(entry.authors, entry.published_in, entry.year)}, cited in the {where} [{citation.ref}]"
    text = _name(source)
    if section is not None:
        text += f": {section.title}"
    return text


def with_text(citation: Citation, sources: Mapping[str, Source]) -> Citation:
    """The citation carrying its readable text."""
    if citation.text:
        return citation
    return Citation(citation.source, citation.ref, citation.section, citation_text(citation, sources))


def reference_text(entry: Reference) -> str:
    """A full entry of a numbered reference list: authors, title, journal year;details, doi."""
    head = f"{entry.authors.rstrip('.')}. {entry.title.rstrip('.')}."
    where = " ".join(p for p in (entry.published_in, str(entry.year) if entry.year else "") if p)
    if entry.details:
        where = f"{where};{entry.details}" if where else entry.details
    parts = [head, f"{where}." if where else ""]
    if entry.doi:
        parts.append(f"doi:{entry.doi}")
    elif entry.url:
        parts.append(entry.url)
    return " ".join(p for p in parts if p)


def source_text(source: Source) -> str:
    """A full entry for a source list: title, publisher or authors, year, address."""
    if source.authors:
        head = f"{source.authors.rstrip('.')}. {source.title.rstrip('.')}. " + " ".join(
            p for p in (source.published_in, str(source.year) if source.year else "") if p
        )
    else:
        head = source.title + (f" ({source.publisher})" if source.publisher else "")
        if source.year:
            head += f", {source.year}"
    address = f"doi:{source.doi}" if source.doi else (source.url or "")
    return f"{head.rstrip('. ')}." + (f" {address}" if address else "")
