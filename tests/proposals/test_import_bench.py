"""The bench of the round import (bench/imports.py) works, at a small size: its workbook is
read by import_round without an error and creates every proposal, and nothing is left."""

import pytest

from bench import imports
from proposals.models import PlanRound, Proposal
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db


def test_the_import_bench_runs_at_a_small_size():
    for _n in range(3):
        make_agency()
    measured = imports.measure_import(make_user("admin"), size=60, repeats=1)
    assert measured["created"] == 60 and measured["cells"] >= 60 * 7
    assert measured["import_s"] > 0 and measured["floor_s"] > 0 and measured["peak_mib"] > 0
    assert measured["verdict"] == "n/a"  # the target is at 1,000
    [row] = imports.verdicts(measured)
    assert row["verdict"] == "n/a" and "60 proposals" in row["size"]
    # every run was rolled back
    assert not Proposal.objects.filter(round__fiscal_year=imports.FISCAL_YEAR).exists()
    assert not PlanRound.objects.filter(fiscal_year=imports.FISCAL_YEAR).exists()
