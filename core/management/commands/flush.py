"""Django's flush, able to empty the append-only audit table.

Emptying the whole database is an operator's act (and the test runner's between tests). The
audit triggers refuse it (TRUNCATE on PostgreSQL, DELETE on SQLite), so they are lifted here
and put back afterwards. The audit anchors file is not touched: after a flush of a database
that had anchored events, ``verify_audit`` reports the events as removed, which they are.
"""

from django.core.management.commands import flush
from django.db import connections

from core.audit_triggers import install_triggers, remove_triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        remove_triggers(connection)
        try:
            return super().handle(**options)
        finally:
            install_triggers(connection)
