from django.core.management.base import BaseCommand
from django.db import transaction

from proposals.fingerprints import refresh_fingerprints
from proposals.models import PlanRound


class Command(BaseCommand):
    help = (
        "Recompute the stored fingerprints of proposals (all rounds, or the fiscal years given) "
        "and mark their rounds' duplicate hints stale: after loading proposals without the "
        "services (fixtures, COPY)."
    )

    def add_arguments(self, parser):
        parser.add_argument("fiscal_years", nargs="*", type=int)

    def handle(self, *args, fiscal_years, **options):
        rounds = PlanRound.objects.filter(fiscal_year__in=fiscal_years) if fiscal_years else None
        with transaction.atomic():
            count = refresh_fingerprints(rounds)
        self.stdout.write(f"Fingerprinted {count} proposals.")
