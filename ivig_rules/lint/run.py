"""Runs every lint check over rulesets folders and pathway files, file by file, never stopping early."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..loading import marked_yaml
from ..loading.catalogue import UniqueIds, find_rulesets, pathway_files
from ..errors import InputError
from ..model import Pathway, Screening, Vocabulary
from ..loading.rulesets import load_pathway, load_screening
from ..loading.vocabulary import load_vocabulary
from .findings import ERROR, WARNING, LintFinding, from_input_error
from .engine_checks import engine_findings
from .graph_checks import pathway_graph_findings
from .metadata_checks import evidence_findings, review_findings, silence_findings
from .space_checks import pathway_space_findings, screening_space_findings
from .structure import pathway_structure, screening_structure
from .teaching_checks import screening_teaching_findings, teaching_findings

__all__ = ["LintReport", "lint_paths"]

@dataclass
class LintReport:
    findings: list[LintFinding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    pathways: list[str] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)  # files the loader rejects: evaluate could not use them

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def unreadable(self) -> bool:
        return any(f.unreadable for f in self.findings)

    def exit_code(self, fail_on: str = ERROR) -> int:
        """2 when some input could not be read or loaded (as ``evaluate`` would exit on it), 1 for
        findings at or above ``fail_on`` in files that load, else 0."""
        if self.unreadable or self.not_loaded:
            return 2
        failing = (ERROR,) if fail_on == ERROR else (ERROR, WARNING)
        return 1 if any(f.severity in failing for f in self.findings) else 0


@dataclass
class _Target:
    folder: Path  # the rulesets folder whose vocabulary the files use
    pathway_files: list[Path]
    whole: bool  # the whole folder: also the screening and cross-file checks


def _vocabulary_folder(file: Path, rulesets: Path | None) -> Path:
    for candidate in (file.parent, file.parent.parent):
        if (candidate / "vocabulary.yaml").is_file():
            return candidate
    return find_rulesets(rulesets)


def _targets(paths: Iterable[Path], rulesets: Path | None, report: LintReport) -> list[_Target]:
    targets: list[_Target] = []
    for path in paths:
        if path.is_dir() and (path / "vocabulary.yaml").is_file():
            targets.append(_Target(path, pathway_files(path / "pathways"), True))
        elif path.is_dir():
            files = pathway_files(path)
            if not files:
                report.findings.append(LintFinding(
                    ERROR, "unreadable", "not a rulesets folder (no vocabulary.yaml) and no pathway files (*.yaml) in it",
                    file=str(path), unreadable=True,
                ))
                continue
            targets.append(_Target(_vocabulary_folder(files[0], rulesets), files, False))
        elif path.is_file() and (path.parent / "vocabulary.yaml").is_file():
            targets.append(_Target(path.parent, pathway_files(path.parent / "pathways"), True))
        elif path.is_file():
            targets.append(_Target(_vocabulary_folder(path, rulesets), [path], False))
        else:
            report.findings.append(LintFinding(ERROR, "unreadable", "no such file or folder", file=str(path), unreadable=True))
    return targets


def _read(path: Path, report: LintReport) -> Any | None:
    report.files.append(str(path))
    try:
        return marked_yaml.read_file(path)
    except InputError as exc:
        report.findings.append(from_input_error(exc))
        return None


def _add_loader_error(exc: InputError, found: list[LintFinding], report: LintReport) -> None:
    """Every problem the loader found, except on lines the structural checks already reported."""
    for problem in exc.problems:
        if not any(f.file == problem.file and f.line == problem.line for f in found):
            report.findings.append(from_input_error(problem))


def _checked_load(path: Path, vocab: Vocabulary, structure, loader, report: LintReport) -> tuple[Any, Any]:
    """The raw document and the loaded model (None when broken), with every problem reported."""
    doc = _read(path, report)
    if doc is None:
        return None, None
    found = structure(doc, str(path), vocab.alerts)
    report.findings.extend(found)
    try:
        return doc, loader(path, vocab, document=doc)  # read once: the checks and the loader share it
    except InputError as exc:
        _add_loader_error(exc, found, report)
        report.not_loaded.append(str(path))
        return doc, None


@dataclass
class PathwayContext:
    """What a pathway check may read; ``steps_used`` is the fact space's answer, for the graph check."""

    pathway: Pathway
    doc: Any
    vocab: Vocabulary
    screening: Screening | None
    today: _dt.date
    steps_used: dict[str, tuple[int, str]] | None = None


def _space(context: PathwayContext) -> list[LintFinding]:
    pathway = context.pathway
    try:
        space = pathway_space_findings(pathway, context.vocab)
    except ValueError as exc:  # a fact space too large to enumerate
        return [LintFinding(WARNING, "space-too-large", f"{exc}; gaps and overlaps not checked",
                            file=pathway.file, line=1, pathway=pathway.id)]
    context.steps_used = space.steps_used
    return space.findings


# Every check of one pathway, in the order they run (the graph check reads what the space check found);
# the codes and severities they may report are registered in checks.py.
PATHWAY_CHECKS = (
    lambda c: evidence_findings(c.pathway.rules, c.pathway.id),
    lambda c: silence_findings(c.pathway.rules, c.pathway.id),
    lambda c: review_findings(c.pathway, c.doc, c.today),
    _space,
    lambda c: pathway_graph_findings(c.pathway, c.vocab, c.screening, c.steps_used),
    lambda c: engine_findings(c.pathway, c.screening),
    lambda c: teaching_findings(c.pathway, c.vocab, c.screening),
)
# Every check of the safety screening.
SCREENING_CHECKS = (
    lambda screening, vocab: evidence_findings(screening.rules, None),
    lambda screening, vocab: screening_space_findings(screening, vocab),
    lambda screening, vocab: screening_teaching_findings(screening),
)


def _screening(folder: Path, vocab: Vocabulary, report: LintReport) -> Screening | None:
    path = folder / "safety.yaml"
    if not path.is_file():
        report.findings.append(LintFinding(ERROR, "schema", "the rulesets folder has no safety.yaml", file=str(path)))
        report.not_loaded.append(str(path))
        return None
    doc, screening = _checked_load(path, vocab, screening_structure, load_screening, report)
    if screening is None:
        return None
    for check in SCREENING_CHECKS:
        report.findings.extend(check(screening, vocab))
    return screening


def _pathway(
    path: Path, vocab: Vocabulary, screening: Screening | None, today: _dt.date, report: LintReport
) -> Pathway | None:
    doc, pathway = _checked_load(path, vocab, pathway_structure, load_pathway, report)
    if pathway is None:
        return None
    report.pathways.append(pathway.id)
    context = PathwayContext(pathway, doc, vocab, screening, today)
    for check in PATHWAY_CHECKS:
        report.findings.extend(check(context))
    return pathway


def _cross_file(pathways: list[Pathway], screening_id: str | None, report: LintReport) -> None:
    """Ids and diagnoses must be unique across the files of one folder (the loader's own check)."""
    unique = UniqueIds(screening_id)
    for pathway in pathways:
        clashes = [
            LintFinding(ERROR, "duplicate-id", problem.message, file=pathway.file, line=1, key=problem.key, pathway=pathway.id)
            for problem in unique.add(pathway)
        ]
        report.findings.extend(clashes)
        if clashes:  # the folder's catalogue does not load with two pathways of one id
            report.not_loaded.append(pathway.file)


def lint_paths(
    paths: Iterable[str | Path] = (),
    *,
    today: _dt.date | None = None,
    rulesets: str | Path | None = None,
) -> LintReport:
    """Lint rulesets folders and pathway files; with no paths, the project's rulesets folder."""
    today = today or _dt.date.today()
    rulesets = Path(rulesets) if rulesets is not None else None
    given = [Path(p) for p in paths] or [_relative(find_rulesets(rulesets))]
    report = LintReport()
    for target in _targets(given, rulesets, report):
        try:
            vocab = load_vocabulary(target.folder)
        except InputError as exc:
            report.findings.extend(from_input_error(problem) for problem in exc.problems)
            report.not_loaded.append(str(target.folder / "vocabulary.yaml"))
            continue
        screening_id, screening = None, None
        if target.whole:
            screening = _screening(target.folder, vocab, report)
            screening_id = _screening_id(target.folder)
            if not target.pathway_files:
                report.findings.append(LintFinding(
                    ERROR, "schema", "no pathway files (pathways/*.yaml) found", file=str(target.folder / "pathways"),
                ))
                report.not_loaded.append(str(target.folder / "pathways"))
        loaded = [p for p in (_pathway(f, vocab, screening, today, report) for f in target.pathway_files) if p is not None]
        _cross_file(loaded, screening_id, report)
    report.findings = _unique_sorted(report.findings)
    report.files = sorted(set(report.files))
    report.not_loaded = sorted(set(report.not_loaded))
    return report


def _relative(path: Path) -> Path:
    """Shown relative to the working folder when it lies inside it, so reports read the same anywhere."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _screening_id(folder: Path) -> str | None:
    try:
        doc = marked_yaml.read_file(folder / "safety.yaml")
    except InputError:
        return None
    header = doc.get("screening") if isinstance(doc, dict) else None
    return header.get("id") if isinstance(header, dict) else None


def _unique_sorted(findings: list[LintFinding]) -> list[LintFinding]:
    out: list[LintFinding] = []
    seen: set[str] = set()
    for finding in sorted(findings, key=LintFinding.sort_key):
        marker = repr(finding.to_dict())
        if marker not in seen:
            seen.add(marker)
            out.append(finding)
    return out
