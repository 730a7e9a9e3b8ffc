from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Check that no audit event was changed, removed or re-hashed behind the application's "
        "back: every link and keyed hash, and the table against the anchors file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            help="the anchors file to check against (default: settings.AUDIT_ANCHOR_PATH), "
            "e.g. the copy kept on separate storage",
        )

    def handle(self, *args, anchors=None, **options):
        path = anchors or settings.AUDIT_ANCHOR_PATH
        result = verify_chain(path)
        for problem in result.problems:
            where = "anchors file" if problem.seq is None else f"event {problem.seq}"
            self.stderr.write(f"audit {where}: {problem.message}")
        if result.problems:
            first = result.first_bad_seq
            raise CommandError(
                f"audit chain broken in {len(result.problems)} place(s)"
                + (f"; first bad sequence number: {first}" if first is not None else "")
            )
        newest = result.newest_anchor
        self.stdout.write(
            f"audit chain intact: {result.events} events"
            + (f", keyed from event {result.keyed_from}" if result.keyed_from else "")
            + (
                f", matches the anchor of {newest.at} (event {newest.seq}) in {path}"
                if newest
                else f", no anchor yet in {path}"
            )
        )
