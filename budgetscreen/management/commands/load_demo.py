"""``manage.py load_demo``: the demo data and accounts (development settings only)."""

from django.core.management.base import BaseCommand

from budgetscreen.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the reference data, the FY2568 round, the rounds of today's calendar (the plan under "
        "way and the open round) and the demo accounts (password 'budgetscreen'). Safe to run "
        "again; refuses to run outside the development settings."
    )

    def handle(self, *args, **options):
        load_demo(stdout=self.stdout)
