"""Coverage files for ``ivig-rules run``: the JSON report and one DOT diagram per pathway.

(Coverage shown with the run report is each run format's job: see formats.py.)
"""

from __future__ import annotations

from pathlib import Path

from .coverage import CoverageReport, to_dot, to_json
from ..model import Catalogue

__all__ = ["write_coverage"]


def write_coverage(coverage: CoverageReport, catalogue: Catalogue, json_path: Path | None, diagram_dir: Path | None) -> None:
    from ..output.files import write_file

    if json_path is not None:
        write_file(json_path, to_json(coverage), what="coverage report")
    if diagram_dir is not None:
        for pathway_id in coverage.pathways:
            write_file(diagram_dir / f"{pathway_id}.coverage.dot", to_dot(coverage, catalogue, pathway_id), what="coverage diagram")
