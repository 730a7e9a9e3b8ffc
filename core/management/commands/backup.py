"""A consistent copy of the database while the application keeps serving.

PostgreSQL: ``pg_dump --format=custom`` (restore with ``pg_restore`` into an empty database).
SQLite: the online backup API, page by page, safe while other connections write.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = "Write a consistent backup of the database to --output (see the README for restoring)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output, database, **options):
        connection = connections[database]
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            self._pg_dump(connection.settings_dict, target)
        elif connection.vendor == "sqlite":
            self._sqlite_backup(connection, target)
        else:
            raise CommandError(f"no backup procedure for {connection.vendor}")
        self.stdout.write(f"backup written to {target} ({target.stat().st_size} bytes)")

    def _pg_dump(self, settings, target):
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise CommandError("pg_dump is missing: apt-get install postgresql-client")
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        command = [
            pg_dump, "--format=custom", "--no-owner", f"--file={target}",
            f"--host={settings.get('HOST') or 'localhost'}",
            f"--port={settings.get('PORT') or 5432}",
            f"--username={settings.get('USER') or 'postgres'}", settings["NAME"],
        ]  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")

    def _sqlite_backup(self, connection, target):
        connection.ensure_connection()
        if target.exists():
            target.unlink()
        destination = sqlite3.connect(target)
        try:
            with destination:
                connection.connection.backup(destination)
        finally:
            destination.close()
