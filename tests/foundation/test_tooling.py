"""The tooling the style promises covers every module it names: mypy checks every app's
services, selectors and permissions (a new app's are added to pyproject.toml's list)."""

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
