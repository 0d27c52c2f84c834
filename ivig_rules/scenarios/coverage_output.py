"""Coverage output for ``ivig-rules run``: appended to the text or JSON report, or written to files."""

from __future__ import annotations

import json
from pathlib import Path

from .coverage import CoverageReport, to_dot, to_json, to_text
from ..model import Catalogue

__all__ = ["with_coverage", "write_coverage"]


def with_coverage(report_text: str, coverage: CoverageReport, *, as_json: bool) -> str:
    """The run report with the coverage added: a 'coverage' key in JSON, a section in text."""
    if as_json:
        data = json.loads(report_text)
        data["coverage"] = coverage.to_dict()
        return json.dumps(data, indent=2)
    return report_text + "\n\n" + to_text(coverage)


def write_coverage(coverage: CoverageReport, catalogue: Catalogue, json_path: Path | None, diagram_dir: Path | None) -> None:
    from ..errors import InputError

    try:
        if json_path is not None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(to_json(coverage) + "\n", encoding="utf-8")
        if diagram_dir is not None:
            diagram_dir.mkdir(parents=True, exist_ok=True)
            for pathway_id in coverage.pathways:
                (diagram_dir / f"{pathway_id}.coverage.dot").write_text(to_dot(coverage, catalogue, pathway_id), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the coverage output: {exc.strerror or exc}", file=str(exc.filename or "")) from None
