"""state.json's version (issue 20): bumped in the transaction of every change the meeting's
screens show, answered 304 after one query when the poll names it, and the meeting view's
query count the same whatever the round's size."""

import pytest
from django.urls import reverse

from committee import services
from committee.models import Meeting
from directory.roles import Role
from proposals.workflow import Status
from tests.factories import make_proposal, make_user

from .factories import add_item, make_setup, mark_present

pytestmark = pytest.mark.django_db


def state_url(setup):
    return reverse("committee:state", kwargs={"pk": setup.meeting.pk})


def version(setup) -> int:
    return Meeting.objects.values_list("state_version", flat=True).get(pk=setup.meeting.pk)


def test_an_unchanged_state_answers_304_after_one_query(client, setup, django_assert_num_queries):
    mark_present(setup, setup.voters)
    add_item(setup)
    client.force_login(setup.chair)
    first = client.get(state_url(setup))
    assert first.status_code == 200 and first["ETag"]
    # session, user, roles, then the meeting's version by primary key: nothing else.
    with django_assert_num_queries(4) as queries:
        again = client.get(state_url(setup), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert "state_version" in queries.captured_queries[-1]["sql"]
    assert "no-store" in again["Cache-Control"]


def test_a_change_makes_the_old_etag_answer_200_with_the_new_state(client, setup):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    client.force_login(setup.chair)
    etag = client.get(state_url(setup))["ETag"]
    services.cast_vote(item=item, actor=setup.members[0], choice="reject")
    response = client.get(state_url(setup), headers={"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    assert response.json()["items"][0]["tally"]["reject"] == 1
    assert (
        client.get(state_url(setup), headers={"If-None-Match": response["ETag"]}).status_code == 304
    )


def test_the_etag_is_the_readers_own(client, setup):
    """The state carries the reader's own vote: another member's ETag is not theirs."""
    mark_present(setup, setup.voters)
    add_item(setup)
    client.force_login(setup.chair)
    chair_etag = client.get(state_url(setup))["ETag"]
    client.force_login(setup.members[0])
    assert client.get(state_url(setup), headers={"If-None-Match": chair_etag}).status_code == 200


def test_a_poll_of_a_missing_or_forbidden_meeting_is_refused_before_any_304(client, setup):
    client.force_login(setup.chair)
    etag = client.get(state_url(setup))["ETag"]
    missing = reverse("committee:state", kwargs={"pk": setup.meeting.pk + 1000})
    assert client.get(missing, headers={"If-None-Match": etag}).status_code == 404
    client.force_login(make_user(Role.SUBMITTER))
    assert client.get(state_url(setup), headers={"If-None-Match": etag}).status_code == 403


def test_every_kind_of_change_bumps_the_version_in_its_transaction(setup):
    secretary, chair, member = setup.secretary, setup.chair, setup.members[0]
    round_ = setup.meeting.round
    seen = [version(setup)]

    def bumped(label):
        seen.append(version(setup))
        assert seen[-1] > seen[-2], label

    forwarded = [make_proposal(plan_round=round_, status=Status.FORWARDED) for _ in range(2)]
    first, second = services.place_on_agenda(
        meeting_id=setup.meeting.pk, proposal_ids=[p.pk for p in forwarded], actor=secretary
    )
    bumped("agenda added")
    services.move_agenda_item(item=second, actor=secretary, direction="up")
    bumped("agenda moved")
    services.order_agenda_by_stage(meeting=setup.meeting, actor=secretary)
    bumped("agenda ordered")
    services.remove_from_agenda(item=second, actor=secretary)
    bumped("agenda removed")
    services.open_meeting(meeting=setup.meeting, actor=secretary)
    bumped("opened")
    services.mark_attendance(
        meeting=setup.meeting, actor=secretary,
        presence={setup.memberships[u.pk].pk: "present" for u in setup.voters},
    )  # fmt: skip
    bumped("attendance")
    services.cast_vote(item=first, actor=chair, choice="approve")
    bumped("vote")
    services.cast_vote(item=first, actor=chair, choice="approve")
    assert version(setup) == seen[-1]  # a retried identical vote changes nothing
    services.cast_vote(item=first, actor=chair, choice="reject")
    bumped("vote changed")
    services.declare_conflict(item=first, actor=member, reason="ญาติเป็นผู้บริหารหน่วยงาน")
    bumped("conflict")
    services.record_resolution(item=first, actor=secretary, outcome="rejected")
    bumped("resolution")
    services.close_meeting(meeting=setup.meeting, actor=secretary)
    bumped("closed")
    services.reopen_meeting(meeting=setup.meeting, actor=make_user(Role.ADMIN), reason="แก้ไขมติ")
    bumped("reopened")


def test_a_refused_change_leaves_the_version_alone(setup):
    item = add_item(setup)  # nobody is marked present
    before = version(setup)
    with pytest.raises(services.CommitteeError):
        services.cast_vote(item=item, actor=setup.chair, choice="approve")
    assert version(setup) == before


def _meeting_view_queries(client, django_assert_max_num_queries, *, round_size):
    """The meeting view's queries, first view and then again, for an agenda of three look-alike
    proposals in a round of ``round_size`` more proposals."""
    setup = make_setup()
    title = "โครงการพัฒนาระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติแบบบูรณาการ"
    for k in range(3):
        add_item(setup, title_th=f"{title}{'ระยะ' * k}", summary="แพลตฟอร์มกลางข้อมูลสุขภาพ")
    for k in range(round_size):
        make_proposal(plan_round=setup.meeting.round, title_th=f"งานจัดซื้อครุภัณฑ์ชุดที่ {k}")
    mark_present(setup, setup.voters)
    client.force_login(setup.chair)
    url = reverse("committee:meeting", kwargs={"pk": setup.meeting.pk})
    counts = []
    for _ in range(2):
        with django_assert_max_num_queries(30) as queries:
            page = client.get(url)
        assert page.status_code == 200 and "duplicate-flag" in page.content.decode()
        counts.append(len(queries.captured_queries))
    # The first view searches the round once and stores the hints: two queries more.
    assert counts[0] == counts[1] + 2
    return counts


def test_the_meeting_view_costs_the_same_queries_in_a_small_and_a_larger_round(
    client, django_assert_max_num_queries
):
    small = _meeting_view_queries(client, django_assert_max_num_queries, round_size=2)
    larger = _meeting_view_queries(client, django_assert_max_num_queries, round_size=60)
    assert small == larger  # first view (the hints searched once) and every view after it
