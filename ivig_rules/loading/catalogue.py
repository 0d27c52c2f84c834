"""Finds and loads a rulesets folder: vocabulary, sources, safety screening and pathways."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SchemaError
from ..model import Catalogue, Pathway, frozen_map
from .rulesets import load_pathway, load_screening
from .vocabulary import load_vocabulary

__all__ = ["load_catalogue", "find_rulesets", "pathway_files", "UniqueIds", "RULESETS_ENV", "PATHWAY_SUFFIXES"]

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


@dataclass(frozen=True)
class IdProblem:
    key: str  # pathway.id or pathway.diagnosis
    message: str


@dataclass
class UniqueIds:
    """The cross-file check of a rulesets folder, in one place for the loader and for lint: a
    pathway id is used by one file and is not the screening's; a diagnosis has one pathway."""

    screening_id: str | None
    ids: dict[str, str] = field(default_factory=dict)  # pathway id -> the file that has it
    diagnoses: dict[str, str] = field(default_factory=dict)  # diagnosis -> the file that has its pathway

    def add(self, pathway: Pathway) -> list[IdProblem]:
        """The problems this pathway brings, given the ones added before it."""
        found = []
        if pathway.id in self.ids:
            found.append(IdProblem("pathway.id", f"the pathway id {pathway.id!r} is also used by {self.ids[pathway.id]}"))
        elif pathway.id == self.screening_id:
            found.append(IdProblem("pathway.id", f"the pathway id {pathway.id!r} is the screening's id"))
        if pathway.diagnosis in self.diagnoses:
            found.append(IdProblem(
                "pathway.diagnosis",
                f"the diagnosis {pathway.diagnosis!r} already has a pathway in {self.diagnoses[pathway.diagnosis]}; "
                "one pathway per diagnosis",
            ))
        self.ids.setdefault(pathway.id, str(pathway.file))
        self.diagnoses.setdefault(pathway.diagnosis, str(pathway.file))
        return found


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
    unique = UniqueIds(screening.id)
    for path in pathway_files(folder / "pathways"):
        pathway = load_pathway(path, vocab)
        for problem in unique.add(pathway):
            raise SchemaError(problem.message, file=str(path))
        pathways[pathway.diagnosis] = pathway
    if not pathways:
        raise SchemaError("no pathway files (pathways/*.yaml) found", file=str(folder / "pathways"))
    return Catalogue(vocabulary=vocab, screening=screening, pathways=frozen_map(pathways), root=str(folder))
