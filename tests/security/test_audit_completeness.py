"""One audit event for every state change, vote, resolution, publication, sign-in, failed
sign-in and plan download: no more, no fewer."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from committee import services as committee_services
from committee.models import VoteChoice
from core.audit_labels import EVENT_LABELS
from core.models import AuditEvent
from directory.roles import Role
from plans.services import publish_plan
from proposals.models import StatusChange
from proposals.services import apply_transition, lock_proposal
from proposals.workflow import TRANSITIONS, Status
from tests.committee.factories import add_item, make_setup, mark_present
from tests.factories import PASSWORD, make_proposal, make_round, make_user

pytestmark = pytest.mark.django_db


class NewEvents:
    """The audit events written inside the ``with`` block, as a Counter of codes."""

    def __enter__(self):
        self.last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.codes = Counter(
            AuditEvent.objects.filter(pk__gt=self.last).values_list("code", flat=True)
        )
        return False


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_transition_of_the_workflow_writes_one_event(action):
    transition = TRANSITIONS[action]
    role = sorted(transition.roles)[0]
    source = sorted(transition.sources)[0]
    proposal = make_proposal(status=source)
    actor = make_user(role, agency=proposal.agency if role == Role.SUBMITTER else None)
    with NewEvents() as new, transaction.atomic():
        apply_transition(
            proposal=lock_proposal(proposal.pk), action=action, actor=actor, reason="เหตุผล"
        )
    assert new.codes == Counter({f"proposal.{transition.target}": 1})
    assert StatusChange.objects.filter(proposal=proposal).count() == 1


def test_votes_resolutions_and_closing_write_one_event_each():
    setup = make_setup(members=2)
    item = add_item(setup, requested=Decimal("400000.00"))
    mark_present(setup, setup.voters)
    committee_services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    with NewEvents() as votes:
        for voter in setup.voters:
            committee_services.cast_vote(item=item, actor=voter, choice=VoteChoice.APPROVE)
        # the same vote again is a retry, not a second vote
        committee_services.cast_vote(item=item, actor=setup.chair, choice=VoteChoice.APPROVE)
    assert votes.codes == Counter({"vote.cast": len(setup.voters)})
    with NewEvents() as resolution:
        committee_services.record_resolution(item=item, actor=setup.chair, outcome="approved")
    assert resolution.codes == Counter({"resolution.recorded": 1})
    with NewEvents() as closing:
        committee_services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    assert closing.codes == Counter({"proposal.approved": 1, "meeting.closed": 1})


def test_publication_and_each_download_write_one_event(client, secretary, budget_officer):
    plan_round = make_round(open_now=False)
    make_proposal(plan_round=plan_round, status=Status.APPROVED)
    with NewEvents() as published:
        publish_plan(plan_round=plan_round, actor=secretary)
    # Publishing also starts the plan's new projects under way: a change of its own, one event.
    assert published.codes == Counter({"plan.published": 1, "execution.projects_started": 1})
    client.force_login(budget_officer)
    for file_format in ("csv", "json"):
        url = reverse(f"plans:download_{file_format}", args=[plan_round.fiscal_year])
        with NewEvents() as download:
            response = client.get(url)
        assert response.status_code == 200
        assert download.codes == Counter({"plan.downloaded": 1})
        event = AuditEvent.objects.get(code="plan.downloaded", extra__format=file_format)
        assert event.actor == budget_officer


def test_sign_in_and_failed_sign_in_write_one_event_each(client):
    user = make_user(Role.SCREENER, username="audited")
    with NewEvents() as failed:
        client.post(reverse("login"), {"username": "audited", "password": "wrong"})
    assert failed.codes == Counter({"auth.login_failed": 1})
    with NewEvents() as signed_in:
        response = client.post(reverse("login"), {"username": "audited", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in.codes == Counter({"auth.login": 1})
    assert AuditEvent.objects.get(code="auth.login").actor == user


def test_every_event_code_written_has_words_on_the_history_pages():
    """A code the labels table does not know would show raw on the history pages."""
    for transition in TRANSITIONS.values():
        assert f"proposal.{transition.target}" in EVENT_LABELS
