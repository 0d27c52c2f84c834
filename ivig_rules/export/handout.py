"""A pathway's one-page handout as PDF: its atlas page printed by headless Chromium.

The atlas page's print stylesheet holds the teaching diagram (with its notes and key), the
title and a not-medical-advice line on one A4 landscape page; Chromium's own "print to PDF"
writes it. The page is written to a private temporary folder and opened from there, offline.
A missing Chromium, like a missing Graphviz, is an environment gap: exit code 3, one line
saying how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError, IvigRulesError
from ..model import Catalogue, Pathway

__all__ = [
    "ChromiumMissing",
    "ChromiumFailed",
    "CHROMIUM_ENV",
    "CHROMIUM_NAMES",
    "find_chromium",
    "to_handout_pdf",
    "write_handout",
]

CHROMIUM_ENV = "IVIG_RULES_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_INSTALL_HINT = "sudo apt-get install -y chromium (Debian/Ubuntu) or brew install --cask chromium (macOS)"
_TIMEOUT_S = 120


class ChromiumMissing(IvigRulesError):
    """No Chromium (or Chrome) to print the handout with."""

    exit_code = 3

    def __init__(self, tried: str = "") -> None:
        where = f" ({tried} is not a program that runs)" if tried else ""
        super().__init__(
            f"the PDF handout is printed by headless Chromium, which was not found{where}; install it with: "
            f"{_INSTALL_HINT}, or set {CHROMIUM_ENV} to the browser's path. The atlas (ivig-rules export site) "
            "prints the same page from any browser."
        )


class ChromiumFailed(IvigRulesError):
    """Chromium ran and wrote no PDF."""

    exit_code = 3


def find_chromium() -> str:
    """The browser to print with: $IVIG_RULES_CHROMIUM, else the first Chromium or Chrome on PATH."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise ChromiumMissing(chosen)
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing()


def _print_to_pdf(browser: str, html: Path, pdf: Path, profile: Path) -> None:
    command = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        html.as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    try:
        done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise ChromiumMissing(browser) from None
    except subprocess.TimeoutExpired:
        raise ChromiumFailed(f"Chromium did not finish printing within {_TIMEOUT_S} s") from None
    if not pdf.is_file() or pdf.stat().st_size == 0:
        detail = " ".join(done.stderr.decode("utf-8", "replace").split())[-400:]
        raise ChromiumFailed(f"Chromium printed no PDF (exit {done.returncode}): {detail or 'no output'}")


def to_handout_pdf(catalogue: Catalogue, pathway: Pathway) -> bytes:
    """The pathway's handout as PDF bytes (needs Graphviz and Chromium)."""
    from .atlas import pathway_html
    from .render import find_dot

    find_dot()
    browser = find_chromium()
    html, _, _ = pathway_html(catalogue, pathway)
    with tempfile.TemporaryDirectory(prefix="ivig-rules-handout-") as folder:
        page = Path(folder) / f"{pathway.id}.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(folder) / f"{pathway.id}.pdf"
        _print_to_pdf(browser, page, pdf, Path(folder) / "profile")
        return pdf.read_bytes()


def write_handout(catalogue: Catalogue, pathway: Pathway, path: str | Path) -> Path:
    """Write the pathway's handout to ``path`` (a .pdf file); return the path written."""
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise InputError("the handout is a PDF; name the output file FILE.pdf", file=str(target))
    if target.is_dir():
        raise InputError("the output is a folder; give a file name ending in .pdf", file=str(target))
    data = to_handout_pdf(catalogue, pathway)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror or exc}", file=str(target)) from None
    return target
