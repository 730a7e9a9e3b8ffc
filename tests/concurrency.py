"""Running jobs at the same moment, each thread on its own database connection."""

import threading

import pytest
from django.db import connection, connections

# SQLite serialises every writer, so row locks are only exercised on PostgreSQL.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every writer; row locks are only exercised on PostgreSQL",
)


def run_together(jobs, *, expected=()):
    """Start every job at the same moment; return each one's outcome, "ok" or the exception.

    Exceptions of the ``expected`` types are outcomes; any other fails the test (a thread cannot
    fail it by itself).
    """
    barrier = threading.Barrier(len(jobs))
    outcomes, errors = [], []

    def runner(job):
        try:
            barrier.wait(timeout=10)
            job()
            outcomes.append("ok")
        except tuple(expected) as error:
            outcomes.append(error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return outcomes
