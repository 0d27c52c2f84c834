"""Finds and loads a rulesets folder: vocabulary, sources, safety screening and pathways."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import SchemaError
from ..model import Catalogue, frozen_map
from .rulesets import load_pathway, load_screening
from .vocabulary import load_vocabulary

__all__ = ["load_catalogue", "find_rulesets", "pathway_files", "RULESETS_ENV", "PATHWAY_SUFFIXES"]

RULESETS_ENV = "IVIG_RULES_RULESETS"
_REQUIRED = ("vocabulary.yaml", "sources.yaml", "safety.yaml")
PATHWAY_SUFFIXES = (".yaml", ".yml")


def pathway_files(folder: str | Path) -> list[Path]:
    """Every entry of a pathways folder named ``*.yaml`` or ``*.yml``, whatever it is, sorted.

    One list for every reader (evaluate, run, lint, coverage), so that they agree on what a
    rulesets folder holds: a folder or a broken link named like a pathway is listed too, and
    then fails to read everywhere alike. Hidden names (``.#gbs.yaml``, an editor's lock) are not
    pathways.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.suffix in PATHWAY_SUFFIXES and not p.name.startswith(".")
    )


def find_rulesets(explicit: str | Path | None = None) -> Path:
    """The rulesets folder: the one given, else $IVIG_RULES_RULESETS, else ./rulesets (an author's
    working copy), else the checkout this package runs from, else the copy installed with it."""
    candidates: list[Path] = []
    if explicit is not None:
        return Path(explicit)
    if os.environ.get(RULESETS_ENV):
        return Path(os.environ[RULESETS_ENV])
    candidates.append(Path.cwd() / "rulesets")
    candidates.append(Path(__file__).resolve().parents[2] / "rulesets")
    candidates.append(Path(sys.prefix) / "share" / "ivig-rules" / "rulesets")
    for candidate in candidates:
        if (candidate / "vocabulary.yaml").is_file():
            return candidate
    return candidates[-1]


def load_catalogue(folder: str | Path | None = None) -> Catalogue:
    """Load and cross-check every file of a rulesets folder."""
    folder = find_rulesets(folder)
    if not folder.is_dir():
        raise SchemaError(
            f"no rulesets folder here; pass --rulesets DIR or set {RULESETS_ENV}", file=str(folder)
        )
    for name in _REQUIRED:
        if not (folder / name).is_file():
            raise SchemaError(f"the rulesets folder has no {name}", file=str(folder / name))
    vocab = load_vocabulary(folder)
    screening = load_screening(folder / "safety.yaml", vocab)
    pathways = {}
    ids: dict[str, str] = {}
    for path in pathway_files(folder / "pathways"):
        pathway = load_pathway(path, vocab)
        if pathway.id in ids:
            raise SchemaError(f"the pathway id {pathway.id!r} is also used by {ids[pathway.id]}", file=str(path))
        if pathway.diagnosis in pathways:
            other = pathways[pathway.diagnosis].file
            raise SchemaError(
                f"the diagnosis {pathway.diagnosis!r} already has a pathway in {other}; one pathway per diagnosis",
                file=str(path),
            )
        if pathway.id == screening.id:
            raise SchemaError(f"the pathway id {pathway.id!r} is the screening's id", file=str(path))
        ids[pathway.id] = str(path)
        pathways[pathway.diagnosis] = pathway
    if not pathways:
        raise SchemaError("no pathway files (pathways/*.yaml) found", file=str(folder / "pathways"))
    return Catalogue(vocabulary=vocab, screening=screening, pathways=frozen_map(pathways), root=str(folder))
