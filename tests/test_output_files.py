"""One writer for every file ivig-rules writes: folders made, a final newline, a clear error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conftest import SCENARIOS
from ivig_rules.cli.app import app
from ivig_rules.errors import FileWriteError
from ivig_rules.output.files import write_file


def test_text_gets_its_folder_and_a_final_newline_bytes_stay_as_given(tmp_path):
    assert write_file(tmp_path / "a" / "b.txt", "one").read_text() == "one\n"
    assert write_file(tmp_path / "c.bin", b"\x00raw").read_bytes() == b"\x00raw"


def test_a_file_that_cannot_be_written_is_one_clear_error():
    with pytest.raises(FileWriteError) as raised:
        write_file("/dev/full", "text", what="report")
    assert (raised.value.file, raised.value.message) == ("/dev/full", "No space left on device (the report)")


@pytest.mark.parametrize("args", [
    ["run", str(SCENARIOS / "gbs.yaml"), "--format", "text", "-o", "/dev/full"],
    ["run", str(SCENARIOS / "gbs.yaml"), "--coverage-json", "/dev/full"],
    ["graph", "gbs", "--format", "dot", "-o", "/dev/full"],
])
def test_every_command_reports_a_failed_write_with_exit_2(args):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "/dev/full: cannot write: No space left on device" in result.output and "Traceback" not in result.output
