from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain
from core.models import AuditEvent


class Command(BaseCommand):
    help = "Check that no audit event was changed or removed behind the application's back."

    def handle(self, *args, **options):
        problems = list(verify_chain())
        for event, problem in problems:
            self.stderr.write(f"audit event {event.pk} ({event.code}): {problem}")
        if problems:
            raise CommandError(f"audit chain broken in {len(problems)} place(s)")
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} events")
