"""Fill in the new fields of 0003 for meetings and resolutions recorded before it (a separate
migration: PostgreSQL refuses to alter a table in the transaction that updated its rows)."""

import datetime
import zoneinfo

from django.conf import settings
from django.db import migrations


def backfill(apps, schema_editor):
    """Meetings held before the real opening time was kept opened at their scheduled time (never
    after they closed); resolutions taken without any vote were taken without objection."""
    Meeting = apps.get_model("committee", "Meeting")
    Resolution = apps.get_model("committee", "Resolution")
    Vote = apps.get_model("committee", "Vote")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    started = Meeting.objects.filter(
        status__in=["in_progress", "closed"], opened_at__isnull=True, start_time__isnull=False
    )
    for meeting in started:
        opened = datetime.datetime.combine(meeting.date, meeting.start_time, tzinfo=zone)
        if meeting.closed_at is not None:
            opened = min(opened, meeting.closed_at)
        meeting.opened_at = opened
        meeting.save(update_fields=["opened_at"])
    voted = Vote.objects.values("agenda_item_id")
    Resolution.objects.exclude(agenda_item_id__in=voted).update(method="consensus")


class Migration(migrations.Migration):
    dependencies = [("committee", "0003_real_times_and_decision_method")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
