"""Backup while serving, restore into an empty database: same totals, a valid audit chain.

The restored database verifies with the same audit key and anchors file, and an audit table
emptied in the copy afterwards is reported by the operator's command with a non-zero exit.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from budgetscreen.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)

TOTALS_SQL = """
SELECT COUNT(*), COALESCE(SUM(requested_amount), 0), COALESCE(SUM(approved_amount), 0)
FROM proposals_proposal WHERE status NOT IN ('draft', 'withdrawn')
"""


def _totals(cursor):
    cursor.execute(TOTALS_SQL)
    count, requested, approved = cursor.fetchone()
    cursor.execute("SELECT COUNT(*) FROM core_auditevent")
    return count, f"{float(requested):.2f}", f"{float(approved):.2f}", cursor.fetchone()[0]


def _verify_audit(database_url, *, intact=True):
    """Run verify_audit as an operator would, against the restored database, with the same key
    and anchors file as the database that was backed up."""
    env = {
        **os.environ, "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "budgetscreen.settings.dev",
        "AUDIT_KEY": settings.AUDIT_KEY, "AUDIT_ANCHOR_PATH": str(settings.AUDIT_ANCHOR_PATH),
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    if intact:
        assert result.returncode == 0, result.stderr
        return result.stdout
    assert result.returncode != 0, result.stdout
    return result.stderr


def _erase_audit(cursor, vendor):
    """What an owner of the restored copy could do: lift the triggers and empty the table."""
    if vendor == "postgresql":
        cursor.execute("DROP TRIGGER core_auditevent_no_truncate ON core_auditevent")
        cursor.execute("TRUNCATE core_auditevent")
    else:
        cursor.execute("DROP TRIGGER core_auditevent_no_delete")
        cursor.execute("DELETE FROM core_auditevent")


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA = True
    load_demo()
    settings.DEMO_DATA = False


def test_backup_and_restore(demo, tmp_path):
    with connection.cursor() as cursor:
        before = _totals(cursor)
    assert before[0] > 140
    backup = tmp_path / "backup.bin"
    call_command("backup", output=str(backup))
    if connection.vendor == "sqlite":
        restored = sqlite3.connect(backup)
        after = _totals(restored.cursor())
        assert after == before
        assert "intact" in _verify_audit(f"sqlite:///{backup}")
        with restored:
            _erase_audit(restored.cursor(), "sqlite")
        restored.close()
        assert "first bad sequence number: 1" in _verify_audit(f"sqlite:///{backup}", intact=False)
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    params = connection.settings_dict
    base = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [shutil.which("pg_restore"), "--no-owner", f"--dbname={base}/{name}", str(backup)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        import psycopg

        with psycopg.connect(f"{base}/{name}") as restored:
            after = _totals(restored.cursor())
        assert after == before
        assert "intact" in _verify_audit(f"{base}/{name}")
        with psycopg.connect(f"{base}/{name}") as restored:
            _erase_audit(restored.cursor(), "postgresql")
        failure = _verify_audit(f"{base}/{name}", intact=False)
        assert "first bad sequence number: 1" in failure
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_refuses_nothing_silently(tmp_path):
    """The backup file is written where asked, even in a folder that does not exist yet."""
    target = Path(tmp_path) / "nested" / "copy.bin"
    call_command("backup", output=str(target))
    assert target.exists() and target.stat().st_size > 0
