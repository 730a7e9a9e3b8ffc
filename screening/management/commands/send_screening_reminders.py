"""Daily: remind screeners of their overdue screening tasks."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from screening.services import send_screening_reminders


class Command(BaseCommand):
    help = "Remind screeners of screening tasks past their due date."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for (YYYY-MM-DD); today by default")

    def handle(self, *args, date=None, **options):
        today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        count = send_screening_reminders(today=today)
        self.stdout.write(f"overdue screening tasks reminded: {count}")
