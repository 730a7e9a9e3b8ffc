from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from core.formatting import MILLION
from directory.models import User
from proposals.imports import both, import_round, summary
from proposals.workbook import MAX_FILE_BYTES


class Command(BaseCommand):
    help = (
        "Import a past round's proposals from the screening inbox's export (.xlsx or .csv) "
        "and/or the plan's plan.xlsx; every row is checked before any is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="export.xlsx, export.csv or plan.xlsx")
        parser.add_argument("--round", type=int, required=True, help="fiscal year (BE)")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument("--user", help="the username the audit trail names")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file.")
            with path.open("rb") as handle:
                files.append((path.name, handle.read(MAX_FILE_BYTES + 1)))
        result = import_round(
            files, fiscal_year=options["round"], actor=actor, dry_run=options["dry_run"]
        )
        if result.unmatched_agencies:
            self.stderr.write(both(_("Agencies not found (none was created):")))
            for name in result.unmatched_agencies:
                self.stderr.write(f"  {name}")
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(
                both(_("Nothing was imported: %(count)s errors."), count=len(result.errors))
            )
        self._report(result)

    def _report(self, result):
        figures = summary(result)
        heading = (
            _("Dry run: %(count)s proposals would be created, %(existing)s already there.")
            if result.dry_run
            else _("%(count)s proposals created, %(existing)s already there.")
        )
        self.stdout.write(both(heading, count=figures["created"], existing=figures["existing"]))
        for status, count in sorted(figures["by_status"].items()):
            self.stdout.write(f"  {status}: {count}")
        self.stdout.write(
            f"  requested: {figures['requested'] / MILLION:,.4f} M  "
            f"approved: {figures['approved'] / MILLION:,.4f} M"
        )
        for code in result.created:
            self.stdout.write(f"  + {code}")
