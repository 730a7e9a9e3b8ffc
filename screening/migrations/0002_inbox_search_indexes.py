"""Indexes the screening inbox's filters need beyond those the Proposal model declares.

- (round, benefit): the expected-benefit filter, on every database.
- (round, assigned_screener, status): "my queue" and the workload figures.
- On PostgreSQL only, trigram GIN indexes on UPPER(title_th) and UPPER(summary), which is the
  expression Django's ``icontains`` compares, so that the substring search Thai text needs
  (no spaces between words) does not scan the whole table. ``pg_trgm`` needs a role that may
  create extensions; without it the trigram indexes are skipped and search still works.
"""

from django.db import migrations

PLAIN = [
    ("screening_prop_round_benefit", "proposals_proposal (round_id, benefit_id)"),
    ("screening_prop_round_screener", "proposals_proposal (round_id, assigned_screener_id, status)"),
]
TRIGRAM = [
    ("screening_prop_title_trgm", "proposals_proposal USING gin (UPPER(title_th) gin_trgm_ops)"),
    ("screening_prop_summary_trgm", "proposals_proposal USING gin (UPPER(summary) gin_trgm_ops)"),
    ("screening_agency_name_trgm", "directory_agency USING gin (UPPER(name_th) gin_trgm_ops)"),
]


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for name, target in PLAIN:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
        if connection.vendor != "postgresql":
            return
        try:
            with connection.cursor() as inner, _savepoint(connection):
                inner.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 (no permission to create the extension: skip)
            return
        for name, target in TRIGRAM:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name, _ in PLAIN + (TRIGRAM if schema_editor.connection.vendor == "postgresql" else []):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _savepoint(connection):
    from django.db import transaction

    return transaction.atomic(using=connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
        ("proposals", "0001_initial"),
        ("directory", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
