"""Delete the files kept by round-import previews that were never confirmed nor cancelled."""

from django.core.management.base import BaseCommand

from proposals.imports import STALE_AFTER, purge_stale_previews


class Command(BaseCommand):
    help = (
        "Delete the files of /screening/import/ previews older than a day (never confirmed "
        "nor cancelled). Each new preview does the same; run it daily where imports are rare."
    )

    def handle(self, *args, **options):
        deleted = purge_stale_previews()
        hours = int(STALE_AFTER.total_seconds() // 3600)
        self.stdout.write(f"{deleted} preview file(s) older than {hours} hours deleted.\n")
