"""The screening inbox's two plain indexes become ``Proposal.Meta.indexes``, under their names.

Until now screening 0002 created them with raw SQL. Databases migrated before have them already;
new databases do not (screening 0002 no longer creates anything). So the migration state gains
them unconditionally, and the database gets each one only where it is missing, built by Django's
schema editor from the same ``Index`` object: every database ends with the same indexes, and no
existing one is rebuilt.
"""

from django.db import migrations, models

INDEXES = [
    models.Index(fields=["round", "benefit"], name="screening_prop_round_benefit"),
    models.Index(
        fields=["round", "assigned_screener", "status"], name="screening_prop_round_screener"
    ),
]


def _existing_names(schema_editor, model):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, model._meta.db_table))


def add_missing(apps, schema_editor):
    proposal = apps.get_model("proposals", "Proposal")
    existing = _existing_names(schema_editor, proposal)
    for index in INDEXES:
        if index.name not in existing:
            schema_editor.add_index(proposal, index)


def remove(apps, schema_editor):
    proposal = apps.get_model("proposals", "Proposal")
    existing = _existing_names(schema_editor, proposal)
    for index in INDEXES:
        if index.name in existing:
            schema_editor.remove_index(proposal, index)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0003_totals_index_covers_submitted_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_missing, remove)],
            state_operations=[
                migrations.AddIndex(model_name="proposal", index=index) for index in INDEXES
            ],
        ),
    ]
