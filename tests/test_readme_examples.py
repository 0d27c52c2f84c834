"""The README's console examples are what the CLI prints: each shown line, in order ('...' skips lines).

A ``$ cat FILE`` example writes FILE (its lines up to the blank line) for the commands after it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```console\n(.*?)```", README, re.DOTALL)


def _steps(block: str) -> list[tuple[str, list[str]]]:
    """(command, the lines shown after it) for each ``$`` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def _in_order(shown: list[str], printed: list[str]) -> list[str]:
    """The shown lines not found in the printed ones, in order ('...' and blank lines skip any)."""
    missing, at = [], 0
    for line in shown:
        if line.strip() in ("", "..."):
            continue
        try:
            at = printed.index(line, at) + 1
        except ValueError:
            missing.append(line)
    return missing


def test_the_readme_has_console_examples_with_output():
    assert any(out for block in BLOCKS for _, out in _steps(block) if any(o.strip() for o in out))


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i + 1}" for i in range(len(BLOCKS))])
def test_readme_console_example_matches_the_cli(tmp_path, block):
    cli = f"{shlex.quote(sys.executable)} -m ivig_rules"
    for command, shown in _steps(block):
        if command.startswith("cat "):
            text = "\n".join(shown).split("\n\n")[0] + "\n"
            (tmp_path / command.split()[1]).write_text(text, encoding="utf-8")
            continue
        run = subprocess.run(re.sub(r"\bivig-rules\b", cli, command), shell=True, cwd=tmp_path, capture_output=True,
                             text=True, env={"PATH": "/usr/bin:/bin", "IVIG_RULES_RULESETS": str(ROOT / "rulesets"), "COLUMNS": "200"})
        assert run.returncode in (0, 1, 3), run.stderr
        missing = _in_order(shown, run.stdout.splitlines())
        assert not missing, f"README shows lines '{command}' does not print (in this order): {missing}"
