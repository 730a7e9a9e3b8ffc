"""NUL bytes and 10,000-character strings in every kind of text field.

Decided behaviour: a NUL byte is refused by the form ("Null characters are not allowed", in
Thai), nothing is saved, the page keeps everything else that was typed. A 10,000-character
string is refused, with a clear Thai message, by a field with a short length limit, and kept
whole by the long texts (limited by their forms to 10,000 or 20,000 characters).
"""

import pytest
from django.urls import reverse

from committee.models import ConflictDeclaration
from plans.models import PlanVersion
from plans.services import publish_plan
from proposals.models import Proposal
from proposals.workflow import Status
from tests.committee.factories import add_item, make_setup, mark_present
from tests.factories import make_round, make_user
from tests.plans.factories import make_plan
from tests.proposals.factories import form_payload, make_complete_draft

from .checks import assert_inert_html, page_text
from .hostile import LONG, NUL

NUL_TH = "ข้อความมีอักขระ NUL"
TOO_LONG_TH = "ข้อความยาวเกินกำหนด: ไม่เกิน"


@pytest.fixture
def submitter_client(client, db):
    user = make_user("submitter")
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize("field", ["general-title_th", "content-rationale", "kpi-0-indicator"])
def test_nul_in_the_proposal_form_is_refused_in_thai_and_the_rest_kept(submitter_client, field):
    plan_round = make_round(open_now=True)
    data = form_payload(plan_round=plan_round, **{"content-objectives": "วัตถุประสงค์ที่พิมพ์ไว้"})
    data[field] = NUL
    response = submitter_client.post(reverse("proposals:new"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert_inert_html(html)
    assert NUL_TH in page_text(html)
    assert "วัตถุประสงค์ที่พิมพ์ไว้" in html  # what else was typed is still in the form
    assert not Proposal.objects.exists()


def test_nul_in_an_existing_draft_saves_nothing(submitter_client):
    draft = make_complete_draft(agency=submitter_client.user.agency)
    data = form_payload(plan_round=draft.round, proposal=draft, **{"content-outputs": NUL})
    response = submitter_client.post(reverse("proposals:edit", args=[draft.pk]), data)
    assert response.status_code == 200
    assert NUL_TH in page_text(response.content.decode())
    draft.refresh_from_db()
    assert "\x00" not in draft.outputs and draft.title_th != data["general-title_th"]


def test_long_text_kept_whole_in_text_fields_refused_in_titles(submitter_client):
    plan_round = make_round(open_now=True)
    data = form_payload(plan_round=plan_round, **{"content-rationale": LONG})
    assert submitter_client.post(reverse("proposals:new"), data).status_code == 302
    assert Proposal.objects.get().rationale == LONG

    data = form_payload(
        plan_round=plan_round, **{"general-title_th": LONG, "content-outcomes": "ผล"}
    )
    response = submitter_client.post(reverse("proposals:new"), data)
    assert response.status_code == 200
    text = page_text(response.content.decode())
    assert f"{TOO_LONG_TH} 500 ตัวอักษร (ที่กรอกมี 10000 ตัวอักษร)" in text
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize(("value", "message"), [(NUL, NUL_TH), (LONG, TOO_LONG_TH)])
def test_withdraw_reason(submitter_client, value, message):
    proposal = make_complete_draft(agency=submitter_client.user.agency, status=Status.SUBMITTED)
    response = submitter_client.post(
        reverse("proposals:withdraw", args=[proposal.pk]), {"reason": value}
    )
    assert response.status_code == 200
    assert message in page_text(response.content.decode())
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED


@pytest.mark.parametrize(("value", "message"), [(NUL, NUL_TH), (LONG, TOO_LONG_TH)])
def test_conflict_reason(client, db, value, message):
    setup = make_setup()
    item = add_item(setup)
    mark_present(setup, setup.voters)
    client.force_login(setup.members[0])
    url = reverse("committee:conflict", args=[setup.meeting.pk, item.pk])
    response = client.post(url, {"reason": value}, follow=True)
    assert response.status_code == 200
    assert message in page_text(response.content.decode())
    assert not ConflictDeclaration.objects.exists()


@pytest.mark.parametrize(("value", "message"), [(NUL, NUL_TH), (LONG, TOO_LONG_TH)])
def test_meeting_place(client, db, value, message):
    setup = make_setup()
    client.force_login(setup.secretary)
    url = reverse("committee:edit", args=[setup.meeting.pk])
    response = client.post(url, {
        "date": "2024-01-31", "start_time": "09:30", "place": value,
        "others_attending": "ผู้สังเกตการณ์", "minute_taker": setup.secretary.pk,
    })  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert message in page_text(html) and "ผู้สังเกตการณ์" in html
    setup.meeting.refresh_from_db()
    assert setup.meeting.place == "ห้องประชุมทำเนียบรัฐบาล"


def test_meeting_others_attending_takes_long_text(client, db):
    setup = make_setup()
    client.force_login(setup.secretary)
    url = reverse("committee:edit", args=[setup.meeting.pk])
    client.post(url, {
        "date": "2024-01-31", "start_time": "09:30", "place": "ห้อง 1",
        "others_attending": LONG, "minute_taker": setup.secretary.pk,
    })  # fmt: skip
    setup.meeting.refresh_from_db()
    assert setup.meeting.others_attending == LONG


def test_meeting_others_attending_has_a_limit(client, db):
    setup = make_setup()
    client.force_login(setup.secretary)
    url = reverse("committee:edit", args=[setup.meeting.pk])
    response = client.post(url, {
        "date": "2024-01-31", "start_time": "09:30", "place": "ห้อง 1",
        "others_attending": LONG + "ก", "minute_taker": setup.secretary.pk,
    })  # fmt: skip
    assert response.status_code == 200
    assert f"{TOO_LONG_TH} 10000 ตัวอักษร (ที่กรอกมี 10001 ตัวอักษร)" in page_text(
        response.content.decode()
    )
    setup.meeting.refresh_from_db()
    assert setup.meeting.place == "ห้องประชุมทำเนียบรัฐบาล"


@pytest.mark.parametrize(("value", "message"), [(NUL, NUL_TH), (LONG, TOO_LONG_TH)])
def test_plan_publish_note(client, secretary, value, message):
    plan = make_plan()
    client.force_login(secretary)
    url = reverse("plans:publish", args=[plan.plan_round.fiscal_year])
    response = client.post(url, {"note": value}, follow=True)
    assert response.status_code == 200
    assert message in page_text(response.content.decode())
    assert not PlanVersion.objects.filter(round=plan.plan_round).exists()


def test_plan_publish_note_within_the_limit(client, secretary):
    plan = make_plan()
    version = publish_plan(plan_round=plan.plan_round, actor=secretary, note="ก" * 2000)
    assert len(version.note) == 2000


@pytest.mark.parametrize("value", [NUL, LONG])
def test_filters_never_fail(client, screener, budget_officer, value):
    plan = make_plan()
    client.force_login(screener)
    for name in ("screening:inbox", "screening:export_csv", "screening:export_xlsx"):
        params = dict.fromkeys(
            (
                "q",
                "round",
                "ministry",
                "agency",
                "stage",
                "benefit",
                "status",
                "screener",
                "min_amount",
                "sort",
                "page",
            ),
            value,
        )
        response = client.get(reverse(name), params)
        assert response.status_code == 200, name
    client.force_login(budget_officer)
    params = dict.fromkeys(("q", "stage", "benefit", "ministry", "agency", "page"), value)
    response = client.get(reverse("plans:detail", args=[plan.plan_round.fiscal_year]), params)
    assert response.status_code == 200
