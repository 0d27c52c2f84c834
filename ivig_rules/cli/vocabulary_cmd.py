"""``ivig-rules vocabulary``: print the data dictionary."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, handles_errors, write_output


class VocabularyFormat(str, Enum):
    markdown = "markdown"
    json = "json"


@handles_errors
def vocabulary(
    fmt: VocabularyFormat = typer.Option(VocabularyFormat.markdown, "--format", help="markdown (for people) or json (for programs)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to this file instead of standard output.", dir_okay=False),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Print the data dictionary: facts, therapies, statuses, verdicts, alerts and sources.

    Every patient fact with its type, unit, range or allowed values and default; docs/vocabulary.md
    is this command's Markdown output.

    Examples:
    ivig-rules vocabulary
    ivig-rules vocabulary --format json -o vocabulary.json
    """
    from ..loading.catalogue import find_rulesets
    from ..loading.vocabulary import load_vocabulary
    from ..export.vocabulary import to_json, to_markdown

    vocab = load_vocabulary(find_rulesets(rulesets))
    write_output(to_json(vocab) if fmt is VocabularyFormat.json else to_markdown(vocab).rstrip("\n"), output)
