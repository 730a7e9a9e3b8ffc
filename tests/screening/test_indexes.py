import importlib
import re

import pytest
from django.apps import apps
from django.db import connection, transaction

from directory.models import Agency
from proposals.models import Proposal

PLAIN = {"screening_prop_round_benefit", "screening_prop_round_screener"}
TRIGRAM = {"screening_prop_title_trgm", "screening_prop_summary_trgm", "screening_agency_name_trgm"}
proposals_0004 = importlib.import_module(
    "proposals.migrations.0004_screening_inbox_indexes_in_meta"
)
screening_0003 = importlib.import_module("screening.migrations.0003_trigram_search_indexes")


def _index_names():
    with connection.cursor() as cursor:
        return {
            index
            for table in ("proposals_proposal", "directory_agency")
            for index in connection.introspection.get_constraints(cursor, table)
        }


@pytest.mark.django_db
def test_inbox_indexes_exist():
    names = _index_names()
    assert names >= PLAIN
    if connection.vendor == "postgresql":
        assert names >= TRIGRAM


def test_the_plain_indexes_are_the_models_own():
    assert {index.name for index in Proposal._meta.indexes} >= PLAIN


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_the_trigram_indexes_are_gin_on_what_icontains_compares():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(TRIGRAM)]
        )
        definitions = dict(cursor.fetchall())
    assert set(definitions) == TRIGRAM
    for name, column in [
        ("screening_prop_title_trgm", "title_th"),
        ("screening_prop_summary_trgm", "summary"),
        ("screening_agency_name_trgm", "name_th"),
    ]:
        assert "USING gin" in definitions[name]
        assert re.search(rf"upper\(\(?{column}\)?(::text)?\) gin_trgm_ops", definitions[name])
    # and they match the expression icontains compares: the planner picks them
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for queryset, name in [
            (Proposal.objects.filter(title_th__icontains="ระบบ"), "screening_prop_title_trgm"),
            (Proposal.objects.filter(summary__icontains="ข้อมูล"), "screening_prop_summary_trgm"),
            (Agency.objects.filter(name_th__icontains="กรม"), "screening_agency_name_trgm"),
        ]:
            assert name in queryset.order_by().explain()


@pytest.mark.django_db(transaction=True)
def test_the_migrations_create_only_the_missing_indexes():
    """A database where the old raw-SQL migration made some indexes (or, without pg_trgm, none
    of the trigram ones) ends with every index; a second run changes nothing."""
    dropped = {"screening_prop_round_screener"}
    if connection.vendor == "postgresql":
        dropped.add("screening_prop_summary_trgm")
    try:
        with connection.schema_editor() as editor:
            for name in dropped:
                editor.execute(f"DROP INDEX {name}")
        assert not dropped & _index_names()
        for _ in range(2):
            with connection.schema_editor() as editor:
                proposals_0004.add_missing(apps, editor)
                screening_0003.add_missing(apps, editor)
            assert _index_names() >= PLAIN
            if connection.vendor == "postgresql":
                assert _index_names() >= TRIGRAM
    finally:
        with connection.schema_editor() as editor:
            proposals_0004.add_missing(apps, editor)
            screening_0003.add_missing(apps, editor)
