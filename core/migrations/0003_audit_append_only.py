"""The audit table refuses UPDATE and DELETE in the database itself (PostgreSQL and SQLite)."""

from django.db import migrations

from core.audit_triggers import install_triggers, remove_triggers


def install(apps, schema_editor):
    install_triggers(schema_editor.connection)


def remove(apps, schema_editor):
    remove_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(install, remove)]
