"""Importing the settings creates nothing; Django makes the SQLite file's folder when it starts.

The checks run on a copy of the settings package in a temporary folder (its BASE_DIR), so that
the real var/ is never touched."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from core.apps import make_sqlite_folders

REPO = settings.BASE_DIR


def _copy_of_the_settings(tmp_path):
    package = tmp_path / "budgetscreen"
    shutil.copytree(
        REPO / "budgetscreen" / "settings",
        package / "settings",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "budgetscreen" / "__init__.py", package / "__init__.py")
    shutil.copy(REPO / "budgetscreen" / "apps.py", package / "apps.py")
    return tmp_path


def _run(root, code, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "AUDIT_ANCHOR_PATH"}
    }
    # the copy first (its BASE_DIR is root), the project's apps after it
    environment["PYTHONPATH"] = os.pathsep.join([str(root), str(REPO)])
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _tree(root):
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if "__pycache__" not in path.parts
    )


def test_importing_the_settings_creates_no_folder(tmp_path):
    root = _copy_of_the_settings(tmp_path)
    before = _tree(root)
    printed = _run(
        root,
        "import budgetscreen.settings.dev as dev, budgetscreen.settings.test as test, "
        "budgetscreen.settings.production as production\n"
        "print(dev.BASE_DIR, test.BASE_DIR, production.BASE_DIR)",
        SECRET_KEY="x" * 50,
        AUDIT_KEY="k" * 64,
        ALLOWED_HOSTS="budgetscreen.example",
        DATABASE_URL="postgres://check@127.0.0.1:1/check",
    )
    assert printed.split() == [str(root)] * 3  # the copy's settings, not the project's
    # dev's embedded database is var/budgetscreen.sqlite3 when DATABASE_URL is unset
    _run(root, "import budgetscreen.settings.dev, budgetscreen.settings.test")
    assert _tree(root) == before
    assert not (root / "var").exists()


def test_django_makes_the_demo_databases_folder_when_it_starts(tmp_path):
    root = _copy_of_the_settings(tmp_path)
    _run(
        root,
        "import django\ndjango.setup()\n"
        "from django.db import connection\nconnection.ensure_connection()",
        DJANGO_SETTINGS_MODULE="budgetscreen.settings.dev",
    )
    assert (root / "var").is_dir()
    assert (root / "var" / "budgetscreen.sqlite3").is_file()


def test_only_sqlite_files_get_a_folder(tmp_path):
    sqlite = "django.db.backends.sqlite3"
    made = make_sqlite_folders(
        {
            "file": {"ENGINE": sqlite, "NAME": tmp_path / "a" / "b" / "db.sqlite3"},
            "memory": {"ENGINE": sqlite, "NAME": ":memory:"},
            "uri": {"ENGINE": sqlite, "NAME": "file:memorydb?mode=memory&cache=shared"},
            "there": {"ENGINE": sqlite, "NAME": tmp_path / "db.sqlite3"},
            "postgres": {"ENGINE": "django.db.backends.postgresql", "NAME": "nowhere/db"},
        }
    )
    assert made == [tmp_path / "a" / "b"]
    assert _tree(tmp_path) == ["a", "a/b"]
    assert not Path("nowhere").exists()
