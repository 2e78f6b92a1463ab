"""The docs are tested too: the quick start is two commands, CI runs the second verbatim, and
every command appears in --help and in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from rai_sheets.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full + " ")
    return out


def test_every_command_has_help_and_is_in_the_readme():
    for name, cmd in _commands(cli):
        result = CliRunner().invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert cmd.help, f"{name} has no help text"
        if not isinstance(cmd, click.Group):
            assert f"rai-sheets {name}" in README, f"`rai-sheets {name}` is not in the README"
            for param in cmd.params:
                if isinstance(param, click.Option) and param.name not in ("help", "quiet"):
                    long = max(param.opts, key=len)
                    assert long in README, f"{name} {long} is not in the README"
