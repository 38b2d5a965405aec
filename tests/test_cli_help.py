"""Every command explains itself, and the exit codes are listed by `dedup --help` and the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dedup.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parent.parent


def _cli() -> click.Group:
    from dedup.cli import cli

    return cli


def _commands() -> list[str]:
    return sorted(_cli().commands)


def test_every_command_has_help_text() -> None:
    commands = _cli().commands
    assert {"import", "analyze", "export"} <= set(commands)
    for name, command in commands.items():
        assert (command.help or "").strip(), f"`dedup {name}` has no help text"
        assert command.get_short_help_str().strip(), name


@pytest.mark.parametrize("name", _commands())
def test_command_help_runs(name: str) -> None:
    result = CliRunner().invoke(_cli(), [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: dedup {name}" in result.output or "Usage: cli " + name in result.output
    first_line = (_cli().commands[name].help or "").strip().splitlines()[0]
    assert first_line.split()[0] in result.output


def test_top_level_help_lists_commands_and_exit_codes() -> None:
    result = CliRunner().invoke(_cli(), ["--help"])
    assert result.exit_code == 0
    for name in _commands():
        assert re.search(rf"^\s+{re.escape(name)}\s", result.output, re.M), name
    assert "Exit codes" in result.output
    for code, meaning in EXIT_CODES.items():
        line = re.search(rf"^\s*{code}\s+(.+)$", result.output, re.M)
        assert line is not None, f"exit code {code} missing from dedup --help"
        assert meaning.split()[0] in line.group(1)


def test_readme_lists_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {int(code) for code in re.findall(r"^\| (\d+) \| \S", readme, re.M)}
    assert listed == set(EXIT_CODES), "the README's exit-code table and EXIT_CODES differ"
    assert "crontab" in readme.lower() or "```cron" in readme
    assert "dedup status" in readme


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(_cli(), ["no-such-command"])
    assert result.exit_code == 2
