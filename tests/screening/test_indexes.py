import pytest
from django.db import connection


@pytest.mark.django_db
def test_inbox_indexes_exist():
    with connection.cursor() as cursor:
        names = {
            index
            for table in ("proposals_proposal", "directory_agency")
            for index in connection.introspection.get_constraints(cursor, table)
        }
    assert {"screening_prop_round_benefit", "screening_prop_round_screener"} <= names
    if connection.vendor == "postgresql":
        assert "screening_prop_title_trgm" in names
