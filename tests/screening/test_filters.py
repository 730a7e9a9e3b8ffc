"""The inbox's filters and bulk selection: text search with digits written either way, ids."""

import re

import pytest

from proposals.models import Proposal
from screening.filters import STATUS_CHOICES
from tests.factories import make_agency, make_proposal, make_round


@pytest.mark.django_db
def test_q_finds_digits_written_either_way():
    from screening.filters import ProposalFilter

    plan_round = make_round(2584, open_now=False)

    # Codes and agency names without digits: the search looks in them too.
    def proposal(code, title):
        agency = make_agency(code=f"agency-{code}", name_th=f"กรม{code}", abbreviation="")
        return make_proposal(plan_round=plan_round, agency=agency, code=code, title_th=title)

    thai = proposal("DX-A", "แผนดิจิทัล ระยะที่ ๒")
    arabic = proposal("DX-B", "แผนดิจิทัล ระยะที่ 2")
    other = proposal("DX-C", "แผนดิจิทัล ระยะที่ 3")
    for query in ("ระยะที่ ๒", "ระยะที่ 2"):
        data = {"q": query, "round": str(plan_round.fiscal_year)}
        found = set(ProposalFilter(data, queryset=Proposal.objects.all()).qs)
        assert found == {thai, arabic}, query
    assert other not in found


@pytest.mark.parametrize("raw", ["9223372036854775808", "²", "-1", "1e3"])
def test_bulk_selection_refuses_ids_no_database_holds(raw):
    from screening.forms import SelectionForm

    form = SelectionForm({"proposal": [raw]})
    assert not form.is_valid()
    assert "proposal" in form.errors


@pytest.mark.django_db
def test_filter_selects_keep_the_choice_and_read_in_thai(client, screener, inbox_data):
    client.force_login(screener)
    html = client.get(
        "/screening/",
        {"sort": "-requested", "stage": "midstream", "status": ["submitted", "forwarded"]},
    ).content.decode()
    sort = html.split('<select name="sort"')[1].split("</select>")[0]
    assert '<option value="-requested" selected>' in sort
    assert "(เรียงย้อนกลับ)" in sort and "descending" not in sort
    stage = html.split('<select name="stage"')[1].split("</select>")[0]
    assert '<option value="midstream" selected>' in stage and stage.count(" selected") == 1
    # The statuses are checkboxes (not a Ctrl-click list box), the two asked for ticked.
    boxes = re.findall(r'<input type="checkbox" name="status" value="(\w+)"[^>]*>', html)
    ticked = re.findall(r'<input type="checkbox" name="status" value="(\w+)"[^>]* checked>', html)
    assert len(boxes) == len(STATUS_CHOICES) and sorted(ticked) == ["forwarded", "submitted"]
    assert '<select name="status"' not in html
