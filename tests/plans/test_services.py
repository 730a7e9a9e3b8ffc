import json
from decimal import Decimal

import pytest
from django.db import transaction

from core.audit import record_event
from core.models import AuditEvent
from plans.models import PlanVersion
from plans.selectors import build_plan_snapshot, snapshot_checksum
from plans.services import PlanError, publish_plan
from proposals.workflow import Status
from tests.factories import make_proposal, make_round

pytestmark = pytest.mark.django_db


def test_publish_creates_version_one_with_checksum_and_audit(plan, secretary):
    version = publish_plan(plan_round=plan.plan_round, actor=secretary, note="  first  ")
    assert version.number == 1
    assert version.note == "first"
    assert version.published_by == secretary
    assert version.published_at.microsecond == 0
    assert version.checksum == snapshot_checksum(version.snapshot)
    assert version.snapshot == build_plan_snapshot(plan.plan_round)
    event = AuditEvent.objects.get(code="plan.published")
    assert event.actor_id == secretary.pk
    assert event.target_id == str(version.pk)
    assert event.extra["checksum"] == version.checksum
    assert event.extra["approved"] == "9623457.28"


def test_publishing_anchors_the_audit_chain_after_commit(
    plan, secretary, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 1000
    with transaction.atomic():  # an earlier event, so that the publication's is not the first
        record_event("proposal.edited")
    with django_capture_on_commit_callbacks(execute=True):
        publish_plan(plan_round=plan.plan_round, actor=secretary)
    event = AuditEvent.objects.get(code="plan.published")
    assert event.seq > 1
    anchors = [json.loads(line) for line in settings.AUDIT_ANCHOR_PATH.read_text().splitlines()]
    assert [(a["seq"], a["id"], a["hash"]) for a in anchors] == [(event.seq, event.pk, event.hash)]
    # A refused publication is rolled back and anchors nothing.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PlanError):
        publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert len(settings.AUDIT_ANCHOR_PATH.read_text().splitlines()) == 1


def test_admin_may_publish(plan, admin_user):
    assert publish_plan(plan_round=plan.plan_round, actor=admin_user).number == 1


@pytest.mark.parametrize("fixture", ["budget_officer", "screener", "member", "submitter"])
def test_other_roles_may_not_publish(plan, fixture, request):
    with pytest.raises(PlanError):
        publish_plan(plan_round=plan.plan_round, actor=request.getfixturevalue(fixture))
    assert not PlanVersion.objects.exists()
    assert not AuditEvent.objects.filter(code="plan.published").exists()


def test_unchanged_content_gives_no_new_version(published, secretary):
    with pytest.raises(PlanError, match="1"):
        publish_plan(plan_round=published.round, actor=secretary)
    assert PlanVersion.objects.count() == 1


def test_a_change_allows_version_two_and_leaves_version_one_alone(plan, published, secretary):
    old_snapshot, old_checksum = published.snapshot, published.checksum
    project = plan.approved[0]
    project.approved_amount = Decimal("1000000.00")
    project.save(update_fields=["approved_amount"])
    second = publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert second.number == 2
    assert second.checksum != old_checksum
    published.refresh_from_db()
    assert published.snapshot == old_snapshot
    assert published.checksum == old_checksum


def test_nothing_to_publish_without_approved_projects(secretary):
    plan_round = make_round(2590, open_now=False)
    make_proposal(plan_round=plan_round, status=Status.SUBMITTED)
    with pytest.raises(PlanError):
        publish_plan(plan_round=plan_round, actor=secretary)
