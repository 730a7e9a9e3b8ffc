"""Daily: remind agencies of quarterly reports due soon, and escalate overdue ones."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from execution.services import send_report_reminders


class Command(BaseCommand):
    help = "Remind agencies of quarterly reports due soon; escalate overdue ones to DGA."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for (YYYY-MM-DD); today by default")

    def handle(self, *args, date=None, **options):
        today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        counts = send_report_reminders(today=today)
        self.stdout.write(f"reminders: {counts['reminders']}, overdue: {counts['overdue']}")
