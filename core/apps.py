from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def make_sqlite_folders(databases) -> list[Path]:
    """Create the folder of each SQLite database file that lacks one (SQLite creates the file,
    not its folder); return the folders made. In-memory and URI databases need none."""
    made = []
    for config in databases.values():
        name = str(config.get("NAME") or "")
        if config.get("ENGINE") != "django.db.backends.sqlite3":
            continue
        if not name or name == ":memory:" or name.startswith("file:"):
            continue
        folder = Path(name).parent
        if not folder.exists():
            folder.mkdir(parents=True)
            made.append(folder)
    return made


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared ground")

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers checks and signal receivers)

        # Here, not in the settings: importing settings creates nothing (the demo's var/ is made
        # when Django starts with a database file there).
        make_sqlite_folders(settings.DATABASES)
