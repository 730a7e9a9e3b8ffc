"""The screening form's free texts have maximum lengths: a longer text is refused, nothing saved."""

import pytest
from django.urls import reverse

from proposals.models import Proposal
from proposals.workflow import Status
from screening.models import ScreeningReview

from .factories import make_criteria
from .test_views import form_data


@pytest.mark.parametrize(
    ("field", "limit", "overrides"),
    [
        ("reasons", 10_000, {"recommendation": "return"}),
        ("amount_reason", 5_000, {"recommended_amount": "500000"}),
        ("comment", 5_000, {}),
    ],
)
def test_screening_texts_over_their_limit_are_refused(
    client, screener, inbox_data, field, limit, overrides
):
    client.force_login(screener)
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    name = f"c{criteria[0].pk}_comment" if field == "comment" else field
    url = reverse("screening:detail", args=[proposal.pk])
    response = client.post(
        url, form_data(proposal, criteria, **overrides, **{name: "ก" * (limit + 1)})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[name] == [
        f"ข้อความยาวเกินกำหนด: ไม่เกิน {limit} ตัวอักษร (ที่กรอกมี {limit + 1} ตัวอักษร)"
    ]
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SUBMITTED
    assert not ScreeningReview.objects.filter(proposal=proposal).exclude(reasons="").exists()
    # At the limit it is accepted.
    response = client.post(url, form_data(proposal, criteria, **overrides, **{name: "ก" * limit}))
    assert response.status_code == 302
