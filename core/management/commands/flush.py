"""Django's flush, able to empty the append-only audit table on SQLite.

Emptying the whole database is an operator's act (and the test runner's between tests); on
SQLite it deletes rows, which the audit triggers refuse, so they are lifted and put back here.
"""

from django.core.management.commands import flush
from django.db import connections

from core.audit_triggers import install_triggers, remove_triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        remove_triggers(connection)
        try:
            return super().handle(**options)
        finally:
            install_triggers(connection)
