"""Coverage files for ``ivig-rules run``: the JSON report and one DOT diagram per pathway.

(Coverage shown with the run report is each run format's job: see formats.py.)
"""

from __future__ import annotations

from pathlib import Path

from .coverage import CoverageReport, to_dot, to_json
from ..model import Catalogue

__all__ = ["write_coverage"]


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
