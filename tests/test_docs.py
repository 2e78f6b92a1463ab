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


def _readme_codes() -> dict[str, str]:
    """The README's issue-code table: code -> severity."""
    return dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", README, re.M))


def _emitted_codes() -> set[str]:
    """Every code the package can emit, read from its source: the first argument of each call
    that makes an issue, the names of schema checks and cross-field rules, values assigned to
    `code`, and the (code, params) pairs the archive checks return."""
    import ast

    makers = {"add", "Issue", "fail", "UnreadableWorkbook", "Failure", "CrossFieldRule"}
    found: set[str] = set()

    def strings(node: ast.AST | None) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        return []

    for path in (ROOT / "rai_sheets").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in makers and node.args:
                    found.update(strings(node.args[1 if name == "CrossFieldRule" else 0]))
                if name == "Check" and path.parent.name == "returns":  # answers' schemas
                    found.update(
                        s for k in node.keywords if k.arg == "name" for s in strings(k.value)
                    )
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets
            ):
                found.update(strings(node.value))
            elif (
                isinstance(node, ast.Return)
                and isinstance(node.value, ast.Tuple)
                and len(node.value.elts) == 2
                and isinstance(node.value.elts[1], ast.Dict)
            ):
                found.update(strings(node.value.elts[0]))
    return found - {"not_nullable"} | {"required-missing"}  # pandera's name, mapped to ours


def test_the_readme_lists_every_issue_code_and_only_those():
    from rai_sheets.issues import CATALOGUE

    listed = _readme_codes()
    assert sorted(set(CATALOGUE) - set(listed)) == [], "in the catalogue, not in the README"
    assert sorted(set(listed) - set(CATALOGUE)) == [], "in the README, not in the catalogue"
    assert {c: t.severity for c, t in CATALOGUE.items()} == listed
    emitted = _emitted_codes()
    assert len(emitted) > 40  # the scan sees the package's calls
    assert sorted(emitted - set(CATALOGUE)) == [], "emitted but not in the catalogue"
