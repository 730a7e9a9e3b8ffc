"""PostgreSQL's trigram indexes for the screening inbox's substring search.

GIN indexes on UPPER(title_th), UPPER(summary) and the agency's UPPER(name_th), which is the
expression Django's ``icontains`` compares, so that the substring search Thai text needs (no
spaces between words) does not scan the whole table.

Why a migration and not ``Meta.indexes``: a model's indexes are the same on every database, and
these exist only on PostgreSQL (``USING gin`` with the ``gin_trgm_ops`` operator class of the
``pg_trgm`` extension); SQLite would refuse them. Elsewhere the search still works, by a scan.
They are written in SQL because Django's ``OpClass`` (an operator class on an expression) works
only with ``django.contrib.postgres`` installed, an app budgetscreen otherwise does not need.

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner that migrates may create
it. Where it cannot, the migration fails and says so (it used to skip the indexes silently);
a superuser then runs ``CREATE EXTENSION pg_trgm;`` once in the database and migrates again.

Databases that ran the old screening 0002 may have these indexes already (or, where the
extension was refused, not): each one is created only where it is missing.
"""

from django.db import migrations

# (index, app, model, column)
TRIGRAM = [
    ("screening_prop_title_trgm", "proposals", "Proposal", "title_th"),
    ("screening_prop_summary_trgm", "proposals", "Proposal", "summary"),
    ("screening_agency_name_trgm", "directory", "Agency", "name_th"),
]


def _existing_names(schema_editor, model):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, model._meta.db_table))


def add_missing(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            schema_editor.execute("CREATE EXTENSION pg_trgm")
    quote = schema_editor.quote_name
    for name, app_label, model_name, column in TRIGRAM:
        model = apps.get_model(app_label, model_name)
        if name not in _existing_names(schema_editor, model):
            schema_editor.execute(
                f"CREATE INDEX {quote(name)} ON {quote(model._meta.db_table)} "
                f"USING gin (UPPER({quote(column)}) gin_trgm_ops)"
            )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, app_label, model_name, _column in TRIGRAM:
        model = apps.get_model(app_label, model_name)
        if name in _existing_names(schema_editor, model):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0002_inbox_search_indexes"),
        ("proposals", "0001_initial"),
        ("directory", "0001_initial"),
    ]

    operations = [
        # Not Django's TrigramExtension: unapplying it queries pg_extension on any database,
        # and drops an extension that may have been there before. Unapplying this keeps pg_trgm.
        migrations.RunPython(add_missing, remove),
    ]
