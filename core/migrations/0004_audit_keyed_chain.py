"""The audit chain gets a gapless sequence number and a hash scheme per event.

Events that exist already keep their plain SHA-256 hashes (scheme 1) and are numbered in the
order they were written; every later event is keyed (HMAC-SHA256, scheme 2: core/audit.py).
Numbering them is an UPDATE, which the append-only triggers refuse, and SQLite rebuilds the
table to add a column (which drops its triggers): so the triggers are lifted first and installed
again last, now with the PostgreSQL TRUNCATE trigger as well.
"""

from django.db import migrations, models

from core.audit_triggers import install_triggers, remove_triggers


def lift_triggers(apps, schema_editor):
    remove_triggers(schema_editor.connection)


def put_back_triggers(apps, schema_editor):
    install_triggers(schema_editor.connection)


def number_events(apps, schema_editor):
    # One statement, so that a large table is numbered quickly (PostgreSQL, SQLite >= 3.33).
    schema_editor.execute(
        "UPDATE core_auditevent SET seq = numbered.n FROM ("
        " SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM core_auditevent"
        ") AS numbered WHERE core_auditevent.id = numbered.id"
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_append_only")]

    operations = [
        migrations.RunPython(lift_triggers, put_back_triggers),
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            # Existing rows were hashed with plain SHA-256; new ones default to the keyed scheme.
            field=models.PositiveSmallIntegerField(
                choices=[(1, "SHA-256"), (2, "HMAC-SHA256")], default=1
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True, verbose_name="sequence number"),
        ),
        migrations.RunPython(number_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="sequence number"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "SHA-256"), (2, "HMAC-SHA256")], default=2
            ),
        ),
        migrations.RunPython(put_back_triggers, lift_triggers),
    ]
