"""Simultaneous submits and saves on PostgreSQL: row locks make the second one lose cleanly."""

import pytest

from core.models import AuditEvent
from proposals.models import ProposalVersion
from proposals.services import ProposalError, save_proposal, submit_proposal
from proposals.workflow import Status
from tests.concurrency import postgresql_only, run_together

from .factories import content_for, make_complete_draft

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
    postgresql_only,
]


def test_many_simultaneous_submits_submit_once(submitter):
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    outcomes = run_together(
        [lambda: submit_proposal(proposal_id=proposal.pk, actor=submitter) for _ in range(6)],
        expected=[ProposalError],
    )
    assert outcomes.count("ok") == 1
    assert all(isinstance(o, ProposalError) for o in outcomes if o != "ok")
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert AuditEvent.objects.filter(code="proposal.submitted").count() == 1


def test_two_simultaneous_saves_from_the_same_version_one_wins(submitter):
    proposal = make_complete_draft(agency=submitter.agency)

    def save(title):
        return lambda: save_proposal(
            proposal_id=proposal.pk,
            actor=submitter,
            content=content_for(proposal.round, title_th=title),
            lock_version=0,
        )

    outcomes = run_together([save("ก"), save("ข")], expected=[ProposalError])
    assert outcomes.count("ok") == 1
    proposal.refresh_from_db()
    assert proposal.lock_version == 1
    assert AuditEvent.objects.filter(code="proposal.saved").count() == 1
