"""The screening pages' forms: screen one proposal, bulk agenda and assignment, stale forms."""

from decimal import Decimal

import pytest
from django.urls import reverse

from committee.models import AgendaItem
from core.models import AuditEvent
from proposals.models import Proposal
from proposals.workflow import Status
from screening.models import ScreeningReview
from tests.factories import make_proposal

from .factories import make_criteria, make_meeting


@pytest.fixture
def screener_client(client, screener):
    client.force_login(screener)
    return client


def form_data(proposal, criteria, **overrides):
    data = {"recommendation": "forward", "lock_version": proposal.lock_version, "reasons": ""}
    for c in criteria:
        data[f"c{c.pk}_result"] = "met"
        data[f"c{c.pk}_comment"] = ""
    data.update(overrides)
    return data


def test_screen_through_the_form(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    url = reverse("screening:detail", args=[proposal.pk])
    page = screener_client.get(url)
    assert page.context["form"] is not None
    response = screener_client.post(
        url, form_data(proposal, criteria, recommended_amount="๘๐๐,๐๐๐", amount_reason="ตัดงบอบรม")
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.FORWARDED
    assert proposal.recommended_amount == Decimal("800000.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"recommendation": "return"}, "reasons"),
        ({"recommended_amount": "1,000,000.01"}, "recommended_amount"),
        ({"recommended_amount": "500000"}, "amount_reason"),
        ({"recommended_amount": "abc"}, "recommended_amount"),
        ({"recommendation": "nonsense"}, "recommendation"),
    ],
)
def test_bad_input_keeps_the_form(screener_client, inbox_data, overrides, field):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    response = screener_client.post(
        reverse("screening:detail", args=[proposal.pk]), form_data(proposal, criteria, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SUBMITTED


def test_forwarding_needs_every_criterion(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    data = form_data(proposal, criteria)
    del data[f"c{criteria[0].pk}_result"]
    response = screener_client.post(reverse("screening:detail", args=[proposal.pk]), data)
    assert response.status_code == 200
    assert f"c{criteria[0].pk}_result" in response.context["form"].errors


def test_stale_form_is_refused(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    url = reverse("screening:detail", args=[proposal.pk])
    stale = form_data(proposal, criteria)
    screener_client.post(url, form_data(proposal, criteria))
    response = screener_client.post(
        url, {**stale, "recommendation": "return", "reasons": "ขาดเอกสาร"}, follow=True
    )
    assert response.status_code == 200
    assert ScreeningReview.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).status == Status.FORWARDED
    assert any("Someone else" in str(m) or "ผู้อื่น" in str(m) for m in response.context["messages"])


def test_agenda_from_the_inbox_ticked_and_by_filter(screener_client, inbox_data):
    d = inbox_data
    meeting = make_meeting(d.round)
    response = screener_client.post(
        reverse("committee:place_from_inbox"),
        {"meeting": meeting.pk, "proposal": [d.p["A6"].pk], "query": "round=2590"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?round=2590")
    assert list(AgendaItem.objects.values_list("proposal__code", flat=True)) == ["A6"]
    # "All matching the filter" takes only the forwarded ones among them, once confirmed.
    asked = {"meeting": meeting.pk, "all_matching": "1", "query": "round=2590&ministry=m-one"}
    confirm = screener_client.post(reverse("committee:place_from_inbox"), asked)
    assert confirm.status_code == 200
    assert confirm.context["count"] == 1 and confirm.context["target"].skipped == 3  # A1 A2 A4
    assert AgendaItem.objects.count() == 1
    screener_client.post(reverse("committee:place_from_inbox"), _confirmed(asked, confirm))
    assert sorted(AgendaItem.objects.values_list("proposal__code", flat=True)) == ["A3", "A6"]
    # Both downstream: the item already there keeps its place, the new one follows it.
    assert AgendaItem.objects.get(proposal__code="A3").order == 2
    # A proposal not forwarded: refused with a message, nothing placed.
    response = screener_client.post(
        reverse("committee:place_from_inbox"),
        {"meeting": meeting.pk, "proposal": [d.p["A1"].pk]},
        follow=True,
    )
    assert AgendaItem.objects.count() == 2
    assert list(response.context["messages"])


def _confirmed(data, confirm_page):
    """The confirmation form's answer: the request again, with the count and digest it showed."""
    return {
        **data,
        "confirm_count": str(confirm_page.context["count"]),
        "confirm_digest": confirm_page.context["target"].digest,
    }


def test_bulk_assign_and_distribute(screener_client, screener, inbox_data):
    d = inbox_data
    screener_client.post(
        reverse("screening:bulk_assign"),
        {"screener": screener.pk, "proposal": [d.p["A1"].pk, d.p["A2"].pk]},
    )
    assert Proposal.objects.filter(assigned_screener=screener).count() == 2
    screener_client.post(reverse("screening:distribute"), {"round": "2590"})
    assert not Proposal.objects.filter(
        round=d.round, status=Status.SUBMITTED, assigned_screener=None
    ).exists()
    board = screener_client.get(reverse("screening:dashboard"), {"round": "2590"}).context["board"]
    assert board.total == 9 and board.pending == 3 and board.screened == 5
    assert [
        (r["n"], r["pending"]) for r in board.by_screener if r["assigned_screener"] == screener.pk
    ] == [(3, 3)]
    assert board.requested == Decimal("19400000")


def test_dashboard_has_tables_and_svg(screener_client, inbox_data):
    response = screener_client.get(reverse("screening:dashboard"), {"round": "bogus"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") >= 4
    assert response.context["notices"]
    assert response.context["board"].by_stage[0].count == 4


# --- bulk actions on "all matching" (issue 13, point 5) --------------------------------------


def _assignments():
    """What a refused bulk action must leave exactly as it was."""
    return (
        tuple(Proposal.objects.order_by("pk").values_list("pk", "assigned_screener_id")),
        AuditEvent.objects.filter(code="screening.assigned").count(),
        AgendaItem.objects.count(),
    )


@pytest.mark.parametrize(
    "query",
    [
        "round=all&status=draft",  # the report: the draft status is no choice, and was dropped
        "round=all&status=submitted&status=bogus",
        "round=1999",  # an unknown round used to fall back to the newest one
        "round=2590&min_amount=abc",
        "round=2590&stage=nowhere",
        "round=2590&ministry=%00",
    ],
)
@pytest.mark.parametrize("url", ["screening:bulk_assign", "committee:place_from_inbox"])
def test_all_matching_refuses_an_unreadable_filter(
    screener_client, screener, inbox_data, query, url
):
    meeting = make_meeting(inbox_data.round)
    before = _assignments()
    data = {"screener": screener.pk, "meeting": meeting.pk, "all_matching": "on", "query": query}
    response = screener_client.post(reverse(url), data, follow=True)
    assert response.redirect_chain[0][1] == 302
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and "ไม่มีการเปลี่ยนแปลงใด" in errors[0]
    assert _assignments() == before
    # A forged confirmation does not get past the filter check either.
    forged = {**data, "confirm_count": "160", "confirm_digest": "0" * 16}
    screener_client.post(reverse(url), forged)
    assert _assignments() == before


def test_bulk_assign_of_all_matching_asks_first_and_skips_decided(
    screener_client, screener, inbox_data
):
    """Both rounds, every status: the page says how many will change and how many decided
    proposals stay; only the echoed confirmation runs it."""
    before = _assignments()
    asked = {"screener": screener.pk, "all_matching": "on", "query": "round=all"}
    confirm = screener_client.post(reverse("screening:bulk_assign"), asked)
    assert confirm.status_code == 200
    # A1 A2 A3 A4 A6 A7 A8 of FY2590 and P1 of FY2589; A5 (not eligible) and A9 (withdrawn)
    # are decided; the draft D1 is nobody's to assign.
    assert confirm.context["count"] == 8 and confirm.context["target"].skipped == 2
    body = confirm.content.decode()
    assert "8" in body and 'name="confirm_count" value="8"' in body
    assert _assignments() == before  # asking changes nothing
    done = screener_client.post(
        reverse("screening:bulk_assign"), _confirmed(asked, confirm), follow=True
    )
    mine = set(Proposal.objects.filter(assigned_screener=screener).values_list("code", flat=True))
    assert mine == {"A1", "A2", "A3", "A4", "A6", "A7", "A8", "P1"}
    assert not Proposal.objects.filter(
        code__in=["A5", "A9", "D1"], assigned_screener__isnull=False
    ).exists()
    texts = [str(m) for m in done.context["messages"]]
    assert any("8" in t for t in texts) and any("2" in t for t in texts)


def test_a_stale_or_tampered_confirmation_is_asked_again(screener_client, screener, inbox_data):
    asked = {"screener": screener.pk, "all_matching": "on", "query": "round=2590&status=submitted"}
    confirm = screener_client.post(reverse("screening:bulk_assign"), asked)
    assert confirm.context["count"] == 3  # A1 A2 A8
    answer = _confirmed(asked, confirm)
    # One more proposal arrives: the count changed, so the user is asked again.
    make_proposal(plan_round=inbox_data.round, agency=inbox_data.a1, code="A10")
    before = _assignments()
    again = screener_client.post(reverse("screening:bulk_assign"), answer)
    assert again.status_code == 200 and again.context["stale"]
    assert again.context["count"] == 4
    assert _assignments() == before
    # The same number but other rows (A1 decided meanwhile): asked again, too.
    Proposal.objects.filter(code="A1").update(status=Status.REJECTED)
    before = _assignments()
    answer["confirm_count"] = "3"
    again = screener_client.post(reverse("screening:bulk_assign"), answer)
    assert again.context["stale"] and again.context["count"] == 3
    assert _assignments() == before
    # A confirmation whose filter was cut short (or dropped) names other rows: asked again.
    for query in ("round=2590", ""):
        cut = {**_confirmed(asked, again), "query": query}
        assert screener_client.post(reverse("screening:bulk_assign"), cut).context["stale"]
    assert _assignments() == before
    # The fresh confirmation runs.
    screener_client.post(reverse("screening:bulk_assign"), _confirmed(asked, again))
    assert set(
        Proposal.objects.filter(assigned_screener=screener).values_list("code", flat=True)
    ) == {"A2", "A8", "A10"}


def test_ticked_decided_proposals_keep_their_screener(screener_client, screener, inbox_data):
    d = inbox_data
    response = screener_client.post(
        reverse("screening:bulk_assign"),
        {"screener": screener.pk, "proposal": [d.p["A1"].pk, d.p["A5"].pk, d.p["A9"].pk]},
        follow=True,
    )
    assert list(Proposal.objects.filter(assigned_screener=screener)) == [d.p["A1"]]
    assert any(m.level_tag == "info" and "2" in str(m) for m in response.context["messages"])
    # One decided proposal from its own page: refused with a message, nothing changed.
    response = screener_client.post(
        reverse("screening:assign", args=[d.p["A5"].pk]), {"screener": screener.pk}, follow=True
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert Proposal.objects.get(pk=d.p["A5"].pk).assigned_screener is None


def test_every_refused_input_is_shown_beside_its_field(screener_client, inbox_data):
    """The rules live in screen_proposal alone; the page shows each refusal on its own field."""
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    data = form_data(proposal, criteria, recommendation="return", recommended_amount="500000")
    response = screener_client.post(reverse("screening:detail", args=[proposal.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["reasons"] == ["กรุณาระบุเหตุผล หน่วยงานจะได้รับแจ้งเหตุผลนี้"]
    assert "amount_reason" in errors and "__all__" not in errors
    assert not ScreeningReview.objects.filter(proposal=proposal).exists()


def test_an_amount_above_the_request_names_the_request_in_baht(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    data = form_data(proposal, criteria, recommended_amount="1,000,000.01")
    response = screener_client.post(reverse("screening:detail", args=[proposal.pk]), data)
    (message,) = response.context["form"].errors["recommended_amount"]
    assert "1,000,000.00" in message
