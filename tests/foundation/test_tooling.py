"""The tooling the style promises covers every module it names: mypy checks every app's
services, selectors and permissions (a new app's are added to pyproject.toml's list)."""

import ast
import tomllib

from django.conf import settings

ROOT = settings.BASE_DIR
TYPED = ("services.py", "selectors.py", "permissions.py")


def test_mypy_checks_every_services_selectors_and_permissions_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    checked = set(config["files"])
    modules = {
        str(path.relative_to(ROOT))
        for name in TYPED
        for path in ROOT.glob(f"*/{name}")
        if (path.parent / "apps.py").exists()
    }
    assert len(modules) >= 13
    assert modules <= checked, sorted(modules - checked)
    # Nothing is checked and then silenced.
    assert not any(o.get("ignore_errors") for o in config.get("overrides", []))


APPS = ("core", "directory", "proposals", "screening", "committee", "plans", "budgetscreen")
MAX_FUNCTION_LINES = 60


def test_no_app_function_is_longer_than_a_screen():
    """Long functions were split into named steps (issue 15); C901 keeps their branching low."""
    long = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {lines}")
    assert not long, long
