"""The tree shows the architecture: small modules, documented packages, frames only in wire.

Import rules are checked by ``lint-imports`` (contracts in pyproject.toml); these are
the rules it cannot express.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chat_server"
MAX_PYTHON_LINES = 400
MAX_SCRIPT_LINES = 600


def lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_python_module_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines_of(path)
        for path in PACKAGE.rglob("*.py")
        if lines_of(path) > MAX_PYTHON_LINES
    }
    assert too_long == {}


def test_no_console_or_widget_script_is_over_600_lines() -> None:
    scripts = list((ROOT / "agent_console" / "static").rglob("*.js"))
    assert scripts, "the console's scripts are missing"
    widget = list((ROOT / "widget").glob("*.js"))
    assert widget, "the widget's scripts are missing"
    scripts += widget
    too_long = {
        str(path.relative_to(ROOT)): lines_of(path)
        for path in scripts
        if lines_of(path) > MAX_SCRIPT_LINES
    }
    assert too_long == {}


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_every_package_says_what_it_owns(package: str) -> None:
    init = PACKAGE / package / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert docstring, f"chat_server/{package}/__init__.py has no docstring"


def _frame_literals(path: Path) -> list[int]:
    """Lines of dict literals with a "type" key: frames are built in wire only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(isinstance(key, ast.Constant) and key.value == "type" for key in node.keys)
    ]


def test_no_frame_is_built_outside_the_wire_package() -> None:
    # Every package but wire: a list of the domain packages went stale once already.
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "wire"
        for line in _frame_literals(path)
    }
    assert found == set()
    assert _frame_literals(PACKAGE / "wire" / "outbound.py"), "the translator builds frames"
