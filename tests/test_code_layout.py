"""The package's folders are the pipeline's stages, bottom to top, and the code keeps to them.

A module imports only from its own stage and the stages below it; nothing forms an import
circle; only the command-line modules import click; no function grows past about 80 lines.
Imports are read with `ast`, so lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rai_sheets"

# Bottom to top, as README's "How the code is laid out" shows them.
SHARED = {"rai_sheets", "model", "issues", "scoring", "roster", "files", "errors", "i18n"}
STAGES = ["shared", "content", "workbook", "returns", "consolidate", "rounds", "faces"]
FACES = {"api", "cli", "cli_common", "cli_rounds", "render", "demo", "simulate", "__main__"}
CLICK_MODULES = {"rai_sheets.cli", "rai_sheets.cli_common", "rai_sheets.cli_rounds"}
CLICK_MODULES |= {"rai_sheets.render"}  # console rendering styles its output with click
MAX_FUNCTION_LINES = 80
# Data tables, not logic: the message catalogue is one entry per code.
LONG_ALLOWED: set[str] = set()


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "shared"
    if parts[1] in STAGES:
        return parts[1]
    if parts[1] in SHARED:
        return "shared"
    assert parts[1] in FACES, f"{module} is in no stage: add it to a folder or to the faces"
    return "faces"


def imports_of(module: str, path: Path) -> set[str]:
    """Every rai_sheets module this one imports, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    here = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("rai_sheets")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("rai_sheets"):
                continue
            for alias in node.names:  # `from . import api` imports a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return found - {module}


def test_every_module_imports_only_from_its_stage_and_below():
    wrong = []
    for module, path in modules().items():
        mine = STAGES.index(stage_of(module))
        for target in imports_of(module, path):
            if STAGES.index(stage_of(target)) > mine:
                wrong.append(f"{module} ({stage_of(module)}) imports {target} ({stage_of(target)})")
    assert not wrong, "imports from a stage above:\n" + "\n".join(wrong)


def test_no_import_circles():
    graph = {m: imports_of(m, p) for m, p in modules().items()}
    # A package's __init__ is imported by each of its modules; it never imports them back.
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_only_the_command_line_imports_click():
    users = {m for m, p in modules().items() if "click" in _external_imports(p)}
    assert users <= CLICK_MODULES, f"the library imports click: {sorted(users - CLICK_MODULES)}"


def _external_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_says_its_job_and_no_function_is_long():
    long = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if module != "rai_sheets.__main__":
            assert ast.get_docstring(tree), f"{module} has no docstring saying its job"
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                name = f"{module}.{node.name}"
                if lines > MAX_FUNCTION_LINES and name not in LONG_ALLOWED:
                    long.append(f"{name}: {lines} lines")
    assert not long, "functions longer than 80 lines:\n" + "\n".join(long)


def test_the_readme_shows_the_layout():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    for stage in STAGES[1:-1]:
        assert f"{stage}/" in section, f"the README's layout does not show {stage}/"
