import pytest
from django.core.management import call_command

from core.models import AuditEvent, Notification
from directory.roles import Role
from proposals.models import Proposal, ProposalVersion
from proposals.services import submit_proposal, transition_proposal
from proposals.workflow import Action, Status
from tests.factories import make_agency, make_proposal, make_round, make_user

from .factories import form_payload, make_complete_draft

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def plan_round(db):
    return make_round()


@pytest.fixture
def logged_in(client, submitter):
    client.force_login(submitter)
    return client


def test_list_shows_own_agency_every_round_with_deadline(logged_in, submitter, plan_round):
    old_round = make_round(open_now=False)
    mine_old = make_proposal(plan_round=old_round, agency=submitter.agency, status=Status.APPROVED)
    mine_new = make_proposal(plan_round=plan_round, agency=submitter.agency, status=Status.DRAFT)
    theirs = make_proposal(plan_round=plan_round, agency=make_agency())
    response = logged_in.get("/proposals/")
    page = response.content.decode()
    assert mine_old.code in page and mine_new.code in page
    assert theirs.code not in page
    assert "1,000,000.00" in page
    assert f"{plan_round.days_left()} วัน" in page
    assert str(plan_round.submission_closes_at.astimezone().year + 543) in page
    assert 'href="/proposals/new/"' in page


def test_list_query_count_does_not_grow(
    logged_in, submitter, plan_round, django_assert_num_queries
):
    make_proposal(plan_round=plan_round, agency=submitter.agency)
    logged_in.get("/proposals/")  # warm the session and caches
    # session, user, roles, open round, agency (header), proposals
    with django_assert_num_queries(6) as captured:
        logged_in.get("/proposals/")
    for _ in range(15):
        make_proposal(plan_round=plan_round, agency=submitter.agency, status=Status.SUBMITTED)
    with django_assert_num_queries(len(captured.captured_queries)):
        response = logged_in.get("/proposals/")
    assert len(response.context["proposals"]) == 16


def test_new_form_renders_every_section(logged_in, plan_round):
    response = logged_in.get("/proposals/new/")
    page = response.content.decode()
    for anchor in [
        "section-general",
        "section-alignment",
        "section-content",
        "section-kpis",
        "section-budget",
        "section-attachments",
    ]:
        assert f'id="{anchor}"' in page
    assert "<script>" not in page and "onclick" not in page and "style=" not in page
    assert "proposals-form.js" in page


def test_new_without_open_round_goes_back_to_list(logged_in):
    make_round(open_now=False)
    response = logged_in.get("/proposals/new/")
    assert response.status_code == 302 and response["Location"] == "/proposals/"


def test_create_then_attach_then_submit(logged_in, submitter, plan_round, media_root):
    from .factories import pdf_upload

    response = logged_in.post("/proposals/new/", form_payload(plan_round=plan_round))
    proposal = Proposal.objects.get()
    assert response["Location"] == f"/proposals/{proposal.pk}/edit/"
    data = form_payload(plan_round=plan_round, proposal=proposal)
    data.update(
        {"attachment-file": pdf_upload(), "attachment-description": "ขอบเขตงาน", "action": "submit"}
    )
    response = logged_in.post(f"/proposals/{proposal.pk}/edit/", data)
    assert response.status_code == 302, (
        response.context["problems"],
        [m.message for m in response.context["messages"]],
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert proposal.versions.count() == 1
    detail = logged_in.get(proposal.get_absolute_url()).content.decode()
    assert "2,234,567.50" in detail and "2.2346" in detail
    assert f"/proposals/{proposal.pk}/edit/" not in detail
    # Notified in-app.
    assert Notification.objects.filter(
        recipient=submitter, link=proposal.get_absolute_url()
    ).exists()
    assert (
        "ส่ง" in logged_in.get("/notifications/").content.decode()
        or proposal.code in logged_in.get("/notifications/").content.decode()
    )


def test_submit_incomplete_lists_the_fields_and_keeps_the_draft(logged_in, submitter, plan_round):
    proposal = make_proposal(plan_round=plan_round, agency=submitter.agency, status=Status.DRAFT)
    data = form_payload(plan_round=plan_round, proposal=proposal, action="submit")
    data["general-official_name"] = ""
    response = logged_in.post(f"/proposals/{proposal.pk}/edit/", data)
    assert response.status_code == 200
    problems = response.context["problems"]
    assert any("official" in p.lower() or "ผู้รับผิดชอบ" in p for p in problems)
    proposal.refresh_from_db()
    assert proposal.status == Status.DRAFT
    assert proposal.title_th == "โครงการพัฒนาระบบบริการดิจิทัล"


def test_submit_after_deadline_shows_deadline_but_saves(logged_in, submitter):
    closed = make_round(open_now=False)
    proposal = make_complete_draft(agency=submitter.agency, plan_round=closed, actor=submitter)
    data = form_payload(plan_round=closed, proposal=proposal, action="submit")
    response = logged_in.post(f"/proposals/{proposal.pk}/edit/", data, follow=True)
    page = response.content.decode()
    assert str(closed.submission_closes_at.astimezone().year + 543) in page
    proposal.refresh_from_db()
    assert proposal.status == Status.DRAFT and proposal.title_th == "โครงการพัฒนาระบบบริการดิจิทัล"


def test_second_stale_save_shows_what_the_other_changed(client, submitter, plan_round):
    colleague = make_user(
        Role.SUBMITTER, agency=submitter.agency, username="colleague", first_name="สมศรี"
    )
    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round)
    client.force_login(colleague)
    form_a = client.get(f"/proposals/{proposal.pk}/edit/").context
    base = form_a["base"]
    client.post(
        f"/proposals/{proposal.pk}/edit/",
        form_payload(
            plan_round=plan_round, proposal=proposal, base=base, **{"general-title_th": "ชื่อของสมศรี"}
        ),
    )
    client.force_login(submitter)
    response = client.post(
        f"/proposals/{proposal.pk}/edit/",
        form_payload(
            plan_round=plan_round, proposal=proposal, base=base, **{"general-title_th": "ชื่อของฉัน"}
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "สมศรี" in page  # who
    assert "ชื่อของสมศรี" in page  # what they changed
    assert 'value="ชื่อของฉัน"' in page  # my input is kept
    proposal.refresh_from_db()
    assert proposal.title_th == "ชื่อของสมศรี"
    # Saving again after seeing the difference is a deliberate overwrite.
    response = client.post(
        f"/proposals/{proposal.pk}/edit/",
        form_payload(
            plan_round=plan_round,
            proposal=proposal,
            base=response.context["base"],
            lock_version=str(response.context["lock_version"]),
            **{"general-title_th": "ชื่อของฉัน"},
        ),
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title_th == "ชื่อของฉัน"


def test_double_submit_by_post_submits_once(logged_in, submitter, plan_round):
    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    first = logged_in.post(f"/proposals/{proposal.pk}/submit/")
    second = logged_in.post(f"/proposals/{proposal.pk}/submit/")
    assert first.status_code == second.status_code == 302
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert (
        AuditEvent.objects.filter(code="proposal.submitted", target_id=str(proposal.pk)).count()
        == 1
    )


def test_returned_proposal_shows_reasons_and_can_be_resubmitted(
    logged_in, submitter, screener, plan_round
):
    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    submit_proposal(proposal_id=proposal.pk, actor=submitter)
    transition_proposal(
        proposal_id=proposal.pk, action=Action.RETURN, actor=screener, reason="ขอแผนการจัดซื้อ"
    )
    detail = logged_in.get(proposal.get_absolute_url()).content.decode()
    assert "ขอแผนการจัดซื้อ" in detail.split('id="pf-general')[0]  # at the top
    edit = logged_in.get(f"/proposals/{proposal.pk}/edit/")
    assert "ขอแผนการจัดซื้อ" in edit.content.decode()
    data = form_payload(
        plan_round=plan_round,
        proposal=proposal,
        base=edit.context["base"],
        action="submit",
        **{"general-title_th": "ฉบับปรับปรุง"},
    )
    data["lock_version"] = str(edit.context["lock_version"])
    assert logged_in.post(f"/proposals/{proposal.pk}/edit/", data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    compare = logged_in.get(f"/proposals/{proposal.pk}/versions/compare/")
    page = compare.content.decode()
    assert "ฉบับปรับปรุง" in page and "โครงการทดสอบ" in page
    assert (
        logged_in.get(f"/proposals/{proposal.pk}/versions/compare/?from=1&to=7").status_code == 404
    )


def test_withdraw_page_needs_reason(logged_in, submitter, plan_round):
    proposal = make_complete_draft(
        agency=submitter.agency, plan_round=plan_round, status=Status.SUBMITTED
    )
    response = logged_in.post(f"/proposals/{proposal.pk}/withdraw/", {"reason": " "})
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    response = logged_in.post(f"/proposals/{proposal.pk}/withdraw/", {"reason": "งบประมาณไม่เพียงพอ"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN
    page = logged_in.get(proposal.get_absolute_url()).content.decode()
    assert "งบประมาณไม่เพียงพอ" in page  # in the timeline


def test_remove_attachment_from_the_form(logged_in, submitter, plan_round):
    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    attachment = proposal.attachments.get()
    data = form_payload(
        plan_round=plan_round, proposal=proposal, remove_attachment=str(attachment.pk)
    )
    assert logged_in.post(f"/proposals/{proposal.pk}/edit/", data).status_code == 302
    assert not proposal.attachments.exists()


def test_full_display_include_for_a_screener(client, screener, submitter, plan_round):
    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    submit_proposal(proposal_id=proposal.pk, actor=submitter)
    client.force_login(screener)
    page = client.get(proposal.get_absolute_url()).content.decode()
    for text in [
        "จำนวนบริการ",
        "2,500,000.00",
        "ขอบเขตงาน (TOR)",
        "หลักการและเหตุผล",
        "official@example.go.th",
    ]:
        assert text in page
    assert "/edit/" not in page and "/withdraw/" not in page


def test_send_draft_reminders_command(submitter, capsys):
    import datetime

    from django.utils import timezone

    plan_round = make_round()
    plan_round.submission_closes_at = timezone.now() + datetime.timedelta(days=1)
    plan_round.save(update_fields=["submission_closes_at"])
    make_complete_draft(agency=submitter.agency, plan_round=plan_round)
    call_command("send_draft_reminders")
    assert "1" in capsys.readouterr().out
    assert Notification.objects.filter(recipient=submitter).count() == 1


def test_detail_query_count_does_not_grow(
    client, screener, submitter, plan_round, django_assert_num_queries
):
    from proposals.models import KPI, StatusChange

    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    submit_proposal(proposal_id=proposal.pk, actor=submitter)  # a screener never reads a draft
    client.force_login(screener)
    assert client.get(proposal.get_absolute_url()).status_code == 200
    # session, user, roles, proposal, kpis, lines, attachments, timeline, versions
    with django_assert_num_queries(9) as captured:
        client.get(proposal.get_absolute_url())
    for i in range(10):
        KPI.objects.create(proposal=proposal, indicator=f"ตัวชี้วัด {i}", unit="ครั้ง", target="1")
        StatusChange.objects.create(proposal=proposal, to_status=Status.DRAFT, actor=submitter)
    with django_assert_num_queries(len(captured.captured_queries)):
        client.get(proposal.get_absolute_url())


def test_pages_read_in_english_when_switched(logged_in, submitter, plan_round):
    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    logged_in.post("/i18n/setlang/", {"language": "en", "next": "/proposals/"})
    page = logged_in.get(f"/proposals/{proposal.pk}/edit/").content.decode()
    assert "Save draft" in page and "Requested for FY" in page and "Operating" in page
    assert "บันทึกร่าง" not in page
    logged_in.post("/i18n/setlang/", {"language": "th", "next": "/proposals/"})
    page = logged_in.get(f"/proposals/{proposal.pk}/edit/").content.decode()
    assert "บันทึกร่าง" in page and "งบดำเนินงาน" in page and "Save draft" not in page


def test_proposal_full_tag_renders_for_other_apps(submitter, plan_round):
    from django.template import Context, Template

    proposal = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    html = Template("{% load proposal_tags %}{% proposal_full proposal %}").render(
        Context({"proposal": proposal})
    )
    assert "2,500,000.00" in html and "จำนวนบริการ" in html and "ขอบเขตงาน (TOR)" in html
