"""The README's layering holds: every import of an app points down (or within the app).

    budgetscreen → api → execution → plans → committee → screening → proposals → directory → core

Each ``.py`` file of each app (migrations, template tags and management commands included) is
parsed, every ``import`` and ``from … import`` in it is read (inside functions too), and an
import of an app higher than the file's own app fails the test, naming the file and line.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Bottom first: an app may import the apps listed before it, and itself.
LAYERS = [
    "core",
    "directory",
    "proposals",
    "screening",
    "committee",
    "plans",
    "execution",
    "api",
    "budgetscreen",
]
RANK = {app: rank for rank, app in enumerate(LAYERS)}


def imported_apps(tree: ast.AST):
    """(line, app) for every absolute import of one of our apps in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue  # relative imports stay inside their own app
        for name in names:
            top = name.split(".")[0]
            if top in RANK:
                yield node.lineno, top


def upward_imports(app: str, files, base: Path = ROOT) -> list[str]:
    """``file:line: app imports higher_app`` for each import that points up."""
    problems = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_apps(tree):
            if RANK[target] > RANK[app]:
                problems.append(f"{path.relative_to(base)}:{line}: {app} imports {target}")
    return problems


@pytest.mark.parametrize("app", LAYERS)
def test_imports_point_down(app):
    files = sorted((ROOT / app).rglob("*.py"))
    assert files, f"no Python files found for {app}"
    problems = upward_imports(app, files)
    assert not problems, "Imports that point up the layering:\n" + "\n".join(problems)


def test_the_check_catches_an_upward_import(tmp_path):
    """The check itself: an upward import (at the top or inside a function) is reported with
    its line; a downward or relative one is not."""
    source = tmp_path / "services.py"
    source.write_text(
        "from core.audit import record_event\n"
        "from .models import Thing\n"
        "import proposals.workflow\n"
        "def late():\n"
        "    from committee.models import Meeting\n"
        "    import plans\n",
        encoding="utf-8",
    )
    assert upward_imports("screening", [source], base=tmp_path) == [
        "services.py:5: screening imports committee",
        "services.py:6: screening imports plans",
    ]
    # The same file is fine for the committee (screening and below) except for plans.
    assert upward_imports("committee", [source], base=tmp_path) == [
        "services.py:6: committee imports plans"
    ]
