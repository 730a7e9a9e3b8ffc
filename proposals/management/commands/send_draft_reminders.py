from django.core.management.base import BaseCommand

from proposals.services import send_draft_reminders


class Command(BaseCommand):
    help = "Remind agencies with unsubmitted drafts that the open round closes soon (run daily)."

    def handle(self, *args, **options):
        count = send_draft_reminders()
        self.stdout.write(f"Reminded {count} agencies.")
