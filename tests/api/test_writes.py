"""Writes: an agency's own system keeps its drafts through the API, with the form's services,
permissions, optimistic locking and audit; errors name the field, in Thai or in English."""

import pytest
from django.utils import timezone

from api.models import TokenScope
from core.models import AuditEvent
from directory.roles import Role
from proposals.models import Benefit, DGStrategy, NationalStrategy, Proposal, StatusChange
from proposals.workflow import Status
from tests.api.factories import api_client
from tests.factories import make_reference_data, make_round, make_user
from tests.proposals.factories import PDF_BYTES, make_complete_draft, pdf_upload

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"


def draft_body(plan_round, **overrides):
    make_reference_data()
    year = plan_round.fiscal_year
    dg_strategy, national = DGStrategy.objects.first(), NationalStrategy.objects.first()
    body = {
        "round": year,
        "title_th": "ระบบบริการข้อมูลกลาง",
        "title_en": "Central data service",
        "duration_years": 2,
        "official_name": "สมชาย ใจดี",
        "official_position": "นักวิชาการคอมพิวเตอร์",
        "official_phone": "02 000 0000",
        "official_email": "somchai@example.go.th",
        "stage": "upstream",
        "benefit": Benefit.objects.order_by("order").first().code,
        "dg_strategy": dg_strategy.number,
        "national_strategy": national.number,
        "alignment_justification": "สอดคล้องกับแผนพัฒนารัฐบาลดิจิทัล",
        "rationale": "หลักการและเหตุผล",
        "objectives": "วัตถุประสงค์",
        "target_group": "ประชาชน",
        "outputs": "ผลผลิต",
        "outcomes": "ผลลัพธ์",
        "budget_lines": [
            {"fiscal_year": year, "category": "operating", "amount": "1500000.50"},
            {"fiscal_year": year, "category": "investment", "amount": "2000000"},
            {"fiscal_year": year + 1, "category": "operating", "amount": "750000.25"},
        ],
        "kpis": [{"indicator": "จำนวนบริการ", "unit": "บริการ", "target": "10"}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def plan_round():
    return make_round()


@pytest.fixture
def writer(submitter):
    return api_client(submitter, TokenScope.WRITE)


def post_json(client, url, body, method="post", **headers):
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


def test_a_service_account_creates_updates_and_submits_a_draft(writer, submitter, plan_round):
    # Create, with budget lines over two fiscal years.
    created = post_json(writer, PROPOSALS, draft_body(plan_round))
    assert created.status_code == 201, created.json()
    draft = created.json()
    assert draft["status"] == "draft" and draft["version"] == 0
    assert draft["requested_amount"] == "3500000.50"  # the round's year only
    assert len(draft["budget_lines"]) == 3
    proposal = Proposal.objects.get(pk=draft["id"])
    assert proposal.agency == submitter.agency and proposal.created_by == submitter
    assert AuditEvent.objects.get(code="proposal.created").actor == submitter
    url = f"{PROPOSALS}{proposal.pk}/"

    # Update: what is left out keeps its value; the budget grid is replaced.
    year = plan_round.fiscal_year
    lines = [{"fiscal_year": year, "category": "operating", "amount": "4000000"}]
    updated = post_json(
        writer, url, {"version": 0, "title_en": "Data service", "budget_lines": lines}, "patch"
    )
    assert updated.status_code == 200, updated.json()
    assert updated.json()["version"] == 1
    assert updated.json()["title_th"] == "ระบบบริการข้อมูลกลาง"
    assert updated.json()["requested_amount"] == "4000000.00"
    saved = AuditEvent.objects.get(code="proposal.saved")
    assert saved.actor == submitter and saved.extra["lock_version"] == 1

    # A stale version is refused, saying who saved in between; nothing is written.
    stale = post_json(writer, url, {"version": 0, "title_th": "ทับของคนอื่น"}, "patch")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    assert stale.json()["detail"]
    proposal.refresh_from_db()
    assert proposal.title_th == "ระบบบริการข้อมูลกลาง" and proposal.lock_version == 1

    # Submitting needs a document: attach one, then submit with the current version.
    incomplete = post_json(writer, f"{url}submit/", {"version": 1})
    assert incomplete.status_code == 400
    assert any("6." in problem for problem in incomplete.json()["problems"])
    attached = writer.post(
        f"{url}attachments/", {"file": pdf_upload(), "description": "ขอบเขตงาน (TOR)"}
    )
    assert attached.status_code == 201, attached.json()
    assert attached.json()["original_name"] == "tor.pdf"
    stale_submit = post_json(writer, f"{url}submit/", {"version": 0})
    assert stale_submit.status_code == 409
    assert Proposal.objects.get(pk=proposal.pk).status == Status.DRAFT
    submitted = post_json(writer, f"{url}submit/", {"version": 1})
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert AuditEvent.objects.get(code="proposal.submitted").actor == submitter
    assert StatusChange.objects.filter(proposal=proposal, to_status="submitted").count() == 1

    # Once sent, the draft is no longer the agency's to change, and a second submit is refused.
    assert post_json(writer, url, {"version": 1, "title_en": "x"}, "patch").status_code == 409
    again = post_json(writer, f"{url}submit/", {"version": 1})
    assert again.status_code == 409


def test_another_agencys_token_gets_404_and_changes_nothing(submitter, other_submitter, plan_round):
    draft = make_complete_draft(agency=submitter.agency, plan_round=plan_round, actor=submitter)
    intruder = api_client(other_submitter, TokenScope.WRITE)
    url = f"{PROPOSALS}{draft.pk}/"
    before = AuditEvent.objects.exclude(code__startswith="api.").count()
    assert intruder.get(url).status_code == 404
    assert post_json(intruder, url, {"version": 0, "title_th": "ยึด"}, "patch").status_code == 404
    assert post_json(intruder, f"{url}submit/", {"version": 0}).status_code == 404
    upload = {"file": pdf_upload(), "description": "x"}
    assert intruder.post(f"{url}attachments/", upload).status_code == 404
    assert post_json(intruder, f"{PROPOSALS}999999/", {"version": 0}, "patch").status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.title_th != "ยึด"
    assert draft.attachments.count() == 1
    assert AuditEvent.objects.exclude(code__startswith="api.").count() == before


def test_only_a_submitter_writes(screener, plan_round):
    for role in (Role.SCREENER, Role.ADMIN, Role.BUDGET_OFFICE, Role.COMMITTEE):
        client = api_client(make_user(role), TokenScope.WRITE)
        response = post_json(client, PROPOSALS, draft_body(plan_round))
        assert response.status_code == 403, role
    assert not Proposal.objects.exists()


def test_a_submitted_proposal_read_by_dga_is_not_theirs_to_write(screener, submitter, plan_round):
    sent = make_complete_draft(agency=submitter.agency, plan_round=plan_round, status="submitted")
    client = api_client(screener, TokenScope.WRITE)
    url = f"{PROPOSALS}{sent.pk}/"
    assert client.get(url).status_code == 200
    assert post_json(client, url, {"version": 0, "title_th": "x"}, "patch").status_code == 403


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "This field is required."), ("th", "ฟิลด์นี้จำเป็น")],
)
def test_errors_name_the_field_in_the_asked_language(submitter, plan_round, language, expected):
    client = api_client(submitter, TokenScope.WRITE, language=language)
    body = draft_body(plan_round)
    del body["title_th"]
    response = post_json(client, PROPOSALS, body)
    assert response.status_code == 400
    assert response["Content-Language"] == language
    assert expected in response.json()["title_th"][0]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Each fiscal year and expense category may appear only once."),
        ("th", "ปีงบประมาณและงบรายจ่ายหนึ่งคู่ใส่ได้ครั้งเดียว"),
    ],
)
def test_our_own_messages_are_translated(submitter, plan_round, language, expected):
    client = api_client(submitter, TokenScope.WRITE, language=language)
    line = {"fiscal_year": plan_round.fiscal_year, "category": "operating", "amount": "1"}
    response = post_json(client, PROPOSALS, draft_body(plan_round, budget_lines=[line, line]))
    assert response.status_code == 400
    assert response.json()["budget_lines"] == [expected]


def test_the_services_rules_come_back_as_errors(writer, plan_round):
    year = plan_round.fiscal_year
    outside = [{"fiscal_year": year + 3, "category": "operating", "amount": "1"}]
    response = post_json(writer, PROPOSALS, draft_body(plan_round, budget_lines=outside))
    assert response.status_code == 409
    assert str(year + 3) in response.json()["detail"]
    for field, value in [
        ("stage", "sideways"),
        ("round", 2400),
        ("duration_years", 9),
        ("official_email", "not-an-address"),
        ("budget_lines", [{"fiscal_year": year, "category": "bribes", "amount": "1"}]),
        ("budget_lines", [{"fiscal_year": year, "category": "operating", "amount": "-1"}]),
        ("budget_lines", [{"fiscal_year": year, "category": "operating", "amount": "1e400"}]),
        ("kpis", [{"indicator": "x"}]),
        ("continues", "2500-0001"),
        ("title_th", "ก" * 501),
    ]:
        response = post_json(writer, PROPOSALS, draft_body(plan_round, **{field: value}))
        assert response.status_code == 400, (field, response.content)
        assert field in response.json(), (field, response.json())
    assert not Proposal.objects.exists()


def test_not_json_is_refused(writer, plan_round):
    # A form body: refused (the request's form was already read by the body-size check, so
    # DRF sees no JSON at all and names the missing fields).
    response = writer.post(PROPOSALS, {"round": plan_round.fiscal_year, "title_th": "x"})
    assert response.status_code in (400, 415)
    response = writer.post(PROPOSALS, "<x/>", content_type="application/xml")
    assert response.status_code == 415
    response = writer.post(PROPOSALS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_invisible_characters_are_removed(writer, plan_round):
    body = draft_body(plan_round, title_th="ระบบ\u202eกลาง\u200b")
    response = post_json(writer, PROPOSALS, body)
    assert response.json()["title_th"] == "ระบบกลาง"


def test_a_document_is_checked_by_its_content(writer, submitter, plan_round):
    draft = post_json(writer, PROPOSALS, draft_body(plan_round)).json()
    fake = pdf_upload(name="tor.pdf", content=b"MZ\x90\x00 not a pdf")
    response = writer.post(
        f"{PROPOSALS}{draft['id']}/attachments/", {"file": fake, "description": "TOR"}
    )
    assert response.status_code in (400, 409)
    assert not Proposal.objects.get(pk=draft["id"]).attachments.exists()
    assert PDF_BYTES  # the real document passes (see the flow above)


def test_the_version_may_come_as_if_match(writer, plan_round):
    draft = post_json(writer, PROPOSALS, draft_body(plan_round)).json()
    url = f"{PROPOSALS}{draft['id']}/"
    missing = post_json(writer, url, {"title_en": "x"}, "patch")
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]
    saved = post_json(writer, url, {"title_en": "First"}, "patch", **{"If-Match": '"0"'})
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = post_json(writer, url, {"title_en": "Second"}, "patch", **{"If-Match": '"0"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert Proposal.objects.get(pk=draft["id"]).title_en == "First"
    stale_submit = post_json(writer, f"{url}submit/", {}, **{"If-Match": '"0"'})
    assert stale_submit.status_code == 412
    assert post_json(writer, f"{url}submit/", {}, **{"If-Match": "nonsense"}).status_code == 428


def test_a_write_token_may_send_an_attachment_larger_than_a_form(writer, plan_round, settings):
    # Above the anonymous cap (DATA_UPLOAD_MAX_MEMORY_SIZE), within one attachment: the token
    # stands behind it as a session would.
    draft = post_json(writer, PROPOSALS, draft_body(plan_round)).json()
    content = PDF_BYTES + b"%" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 500_000)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(content) < settings.ATTACHMENT_MAX_BYTES
    response = writer.post(
        f"{PROPOSALS}{draft['id']}/attachments/",
        {"file": pdf_upload(content=content), "description": "TOR"},
    )
    assert response.status_code == 201, response.content[:300]
    assert Proposal.objects.get(pk=draft["id"]).attachments.get().size == len(content)


class UnreadableBody:
    """A request body that fails the test the moment anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the request body was read")

    readline = read


@pytest.mark.parametrize("who", ["unknown", "read", "revoked"])
def test_without_a_live_write_token_a_large_body_is_refused_unread(who, submitter, settings):
    from api.models import ApiToken

    client = api_client(submitter, TokenScope.READ if who == "read" else TokenScope.WRITE)
    if who == "unknown":
        client = api_client(token="bs_" + "x" * 40)
    elif who == "revoked":
        ApiToken.objects.update(revoked_at=timezone.now())
    response = client.generic(
        "POST",
        PROPOSALS,
        b"",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        CONTENT_TYPE="multipart/form-data; boundary=x",
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
