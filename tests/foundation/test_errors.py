"""Every domain error shares one parent, so that a view or a command can catch them all."""

import pytest

from committee.services import CommitteeError
from core.errors import DomainError
from plans.services import PlanError
from proposals.services import IncompleteProposalError, ProposalError, StaleProposalError
from screening import services as screening_services
from screening.services import ScreeningError
from screening.views import BulkRefused


@pytest.mark.parametrize(
    "error_class",
    [
        ProposalError,
        StaleProposalError,
        IncompleteProposalError,
        ScreeningError,
        CommitteeError,
        PlanError,
        BulkRefused,
    ],
)
def test_every_domain_error_is_a_domain_error(error_class):
    assert issubclass(error_class, DomainError)


def test_one_stale_proposal_error():
    # The screening form and the agency's editor raise the same class (from proposals, below).
    assert screening_services.StaleProposalError is StaleProposalError


def test_the_message_and_the_field_travel_with_the_error():
    whole_form = CommitteeError("ปิดการประชุมแล้ว")
    assert str(whole_form) == "ปิดการประชุมแล้ว"
    assert whole_form.field is None
    about_a_field = PlanError("ไม่มีโครงการที่อนุมัติ", field="note")
    assert about_a_field.field == "note"
    with pytest.raises(TypeError):
        DomainError("no", bogus=1)


def test_a_stale_error_without_the_editors_details_still_says_why():
    error = StaleProposalError("saved by someone else")
    assert (str(error), error.changes, error.changed_by, error.current) == (
        "saved by someone else",
        [],
        None,
        None,
    )
