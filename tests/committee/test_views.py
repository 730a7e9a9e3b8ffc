"""The meeting pages: who sees what, forms that POST and redirect, state.json, query counts."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from committee import services
from committee.models import Attendance, Meeting, Outcome, Resolution, Vote
from directory.roles import Role
from proposals.workflow import Status
from screening.models import Assessment, CriterionAssessment, ScreeningCriterion, ScreeningReview
from tests.factories import make_proposal, make_user

from .factories import add_item, make_setup, mark_present

pytestmark = pytest.mark.django_db


def meeting_url(setup, name="committee:meeting", **kwargs):
    return reverse(name, kwargs={"pk": setup.meeting.pk, **kwargs})


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.BUDGET_OFFICE])
def test_submitters_and_budget_office_get_403(client, setup, role):
    client.force_login(make_user(role))
    for url in [
        reverse("committee:list"),
        meeting_url(setup),
        meeting_url(setup, "committee:state"),
        meeting_url(setup, "committee:minutes"),
    ]:
        assert client.get(url).status_code == 403


def test_anonymous_users_go_to_login(client, setup):
    response = client.get(meeting_url(setup))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.COMMITTEE, Role.SCREENER, Role.ADMIN])
def test_meeting_roles_see_the_pages(client, setup, role):
    client.force_login(make_user(role))
    add_item(setup)
    assert client.get(reverse("committee:list")).status_code == 200
    assert client.get(meeting_url(setup)).status_code == 200


def test_missing_meeting_is_404(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("committee:meeting", kwargs={"pk": 999999})).status_code == 404


def test_screener_reads_but_cannot_vote_or_manage(client, setup, screener):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    client.force_login(screener)
    page = client.get(meeting_url(setup)).content.decode()
    assert "vote-form" not in page and "Save attendance" not in page
    client.post(meeting_url(setup, "committee:vote", item_pk=item.pk), {"choice": "approve"})
    assert not Vote.objects.exists()
    assert client.get(meeting_url(setup, "committee:agenda")).status_code == 403


def _with_screening(item):
    criterion = ScreeningCriterion.objects.create(
        round=item.proposal.round, order=1, text_th="สอดคล้องกับยุทธศาสตร์"
    )
    review = ScreeningReview.objects.create(
        proposal=item.proposal, screener=make_user(Role.SCREENER), recommendation="forward",
        reasons="โครงการมีความพร้อมสูง", recommended_amount=Decimal("900000.00"),
    )  # fmt: skip
    CriterionAssessment.objects.create(review=review, criterion=criterion, result=Assessment.MET)


def test_meeting_view_shows_the_item_and_the_members_own_vote(client, setup):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    _with_screening(item)
    member = setup.members[0]
    client.force_login(member)
    response = client.post(
        meeting_url(setup, "committee:vote", item_pk=item.pk),
        {"choice": "approve_reduced", "amount": "๘๐๐,๐๐๐"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    vote = Vote.objects.get()
    assert (vote.member, vote.amount) == (member, Decimal("800000.00"))
    page = client.get(meeting_url(setup)).content.decode()
    assert item.proposal.code in page and item.proposal.get_absolute_url() in page
    assert "สอดคล้องกับยุทธศาสตร์" in page and "โครงการมีความพร้อมสูง" in page
    assert "900,000.00" in page  # the recommended amount, from the latest review
    assert 'data-field="my-vote">อนุมัติโดยปรับลดวงเงิน 800,000.00 บาท' in page or "800,000.00" in page


def test_refused_vote_shows_a_thai_message_and_saves_nothing(client, setup):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    client.force_login(setup.members[0])
    response = client.post(
        meeting_url(setup, "committee:vote", item_pk=item.pk),
        {"choice": "approve_reduced", "amount": "2,000,000"},
        follow=True,
    )
    assert not Vote.objects.exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("1,000,000.00" in m for m in messages)
    with translation.override("th"):
        response = client.post(
            meeting_url(setup, "committee:vote", item_pk=item.pk),
            {"choice": "approve_reduced", "amount": "abc"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="th",
        )
    assert response.status_code == 200 and not Vote.objects.exists()


def test_a_reduced_vote_without_its_amount_is_refused_by_the_service(client, setup):
    """The rule lives in cast_vote alone (VoteForm only reads the amount); the page says it."""
    mark_present(setup, setup.voters)
    item = add_item(setup)
    client.force_login(setup.members[0])
    response = client.post(
        meeting_url(setup, "committee:vote", item_pk=item.pk),
        {"choice": "approve_reduced", "amount": ""},
        follow=True,
    )
    assert not Vote.objects.exists()
    assert [str(m) for m in response.context["messages"]] == ["กรุณาระบุวงเงินที่ปรับลดซึ่งท่านเห็นชอบ"]


def test_state_json_carries_tally_quorum_and_my_vote(client, setup):
    mark_present(setup, setup.voters[:3])
    item = add_item(setup)
    services.cast_vote(item=item, actor=setup.chair, choice="approve")
    services.cast_vote(item=item, actor=setup.members[0], choice="reject")
    client.force_login(setup.members[0])
    data = json.loads(client.get(meeting_url(setup, "committee:state")).content)
    assert (
        data["quorum"]["present"] == 3 and data["quorum"]["members"] == 5 and data["quorum"]["met"]
    )
    entry = data["items"][0]
    assert entry["tally"] == {
        "approve": 1,
        "approve_reduced": 0,
        "reject": 1,
        "abstain": 0,
        "cast": 2,
    }
    assert entry["my_vote"]["choice"] == "reject"
    assert (
        entry["proposed"]["outcome"] == Outcome.APPROVED
        and entry["proposed"]["tie_broken_by_chair"]
    )


def test_meeting_view_query_count_does_not_grow_with_the_agenda(
    client, setup, django_assert_num_queries
):
    mark_present(setup, setup.voters)
    client.force_login(setup.chair)
    for _ in range(2):
        _with_screening(add_item(setup))
    for item in setup.meeting.agenda_items.all():
        services.cast_vote(item=item, actor=setup.chair, choice="approve")
    # session, user, roles, meeting, memberships, attendance, items, votes, conflicts,
    # reviews, assessments; the duplicate hints: the round's version, the stored hints, the
    # proposals they name; the first time, the round's proposals searched and the hints stored;
    # the budget frame panel (committee.frame.get_meeting_frame): scores, newest suggestion,
    # frames, earlier rounds' commitments, this round's resolutions, stage shares.
    with django_assert_num_queries(22):
        assert client.get(meeting_url(setup)).status_code == 200
    with django_assert_num_queries(20):
        assert client.get(meeting_url(setup)).status_code == 200
    for _ in range(6):
        item = add_item(setup)
        _with_screening(item)
        services.cast_vote(item=item, actor=setup.members[0], choice="reject")
    with django_assert_num_queries(22):  # the new items' hints are searched once
        assert client.get(meeting_url(setup)).status_code == 200
    with django_assert_num_queries(20):
        assert client.get(meeting_url(setup)).status_code == 200
    # The live state skips the duplicate search; it reads the state's version first.
    with django_assert_num_queries(12):
        assert client.get(meeting_url(setup, "committee:state")).status_code == 200


def test_meeting_list_query_count(client, setup, django_assert_num_queries):
    client.force_login(setup.secretary)
    add_item(setup)
    with django_assert_num_queries(4):
        assert client.get(reverse("committee:list")).status_code == 200


def test_secretary_creates_a_meeting(client, setup):
    client.force_login(setup.secretary)
    assert client.get(reverse("committee:create")).status_code == 200
    response = client.post(reverse("committee:create"), {
        "committee": setup.committee.pk, "round": setup.meeting.round.pk, "number": "2",
        "year_be": "2567", "date": "2024-02-20", "start_time": "13:30", "place": "ห้องประชุม 1",
    })  # fmt: skip
    meeting = Meeting.objects.get(number=2)
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    # Taken number: the form comes back with the message, nothing lost.
    response = client.post(reverse("committee:create"), {
        "committee": setup.committee.pk, "round": setup.meeting.round.pk, "number": "2",
        "year_be": "2567", "date": "2024-02-20", "place": "ห้องประชุม 2",
    })  # fmt: skip
    assert response.status_code == 200 and "ห้องประชุม 2" in response.content.decode()


def test_members_cannot_create_meetings(client, setup):
    client.force_login(setup.chair)
    assert client.get(reverse("committee:create")).status_code == 403


def test_attendance_conflict_resolution_close_through_the_pages(client, setup, submitter):
    item = add_item(setup, agency=submitter.agency)
    client.force_login(setup.secretary)
    post = {f"member-{setup.memberships[u.pk].pk}": "present" for u in setup.voters}
    client.post(meeting_url(setup, "committee:attendance"), post)
    assert Attendance.objects.filter(presence="present").count() == 5
    client.post(meeting_url(setup, "committee:open"))

    client.force_login(setup.members[3])
    client.post(
        meeting_url(setup, "committee:conflict", item_pk=item.pk), {"reason": "เคยเป็นที่ปรึกษาโครงการ"}
    )
    assert item.conflicts.count() == 1
    for user in setup.voters[:3]:
        client.force_login(user)
        client.post(meeting_url(setup, "committee:vote", item_pk=item.pk), {"choice": "approve"})
    client.force_login(setup.chair)
    client.post(
        meeting_url(setup, "committee:resolution", item_pk=item.pk),
        {"outcome": "approved", "approved_amount": "1,000,000.00"},
    )
    assert Resolution.objects.get().outcome == Outcome.APPROVED
    client.force_login(setup.secretary)
    client.post(meeting_url(setup, "committee:close"))
    item.proposal.refresh_from_db()
    assert item.proposal.status == Status.APPROVED
    page = client.get(meeting_url(setup)).content.decode()
    assert "vote-form" not in page


def test_group_approval_through_the_page(client, setup):
    mark_present(setup, setup.voters)
    items = [add_item(setup), add_item(setup, recommended=Decimal("600000.00"))]
    client.force_login(setup.secretary)
    client.post(
        meeting_url(setup, "committee:approve_recommended"), {"items": [str(i.pk) for i in items]}
    )
    assert Resolution.objects.count() == 2


def test_admin_reopens_through_the_page(client, setup):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.DEFERRED)
    services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    client.post(meeting_url(setup, "committee:reopen"), {"reason": ""})
    setup.meeting.refresh_from_db()
    assert setup.meeting.is_closed
    client.post(meeting_url(setup, "committee:reopen"), {"reason": "บันทึกผู้เข้าประชุมผิด"})
    setup.meeting.refresh_from_db()
    assert not setup.meeting.is_closed


def test_agenda_page_adds_forwarded_proposals(client, setup):
    proposal = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED)
    client.force_login(setup.secretary)
    page = client.get(meeting_url(setup, "committee:agenda")).content.decode()
    assert proposal.code in page
    client.post(
        meeting_url(setup, "committee:agenda"), {"action": "add", "proposals": [str(proposal.pk)]}
    )
    assert setup.meeting.agenda_items.filter(proposal=proposal).exists()
    client.post(meeting_url(setup, "committee:agenda"), {"action": "order_by_stage"})
    client.post(meeting_url(setup, "committee:agenda"), {"action": "up", "item": "x"})
    assert (
        client.post(meeting_url(setup, "committee:agenda"), {"action": "bogus"}).status_code == 302
    )


def test_meeting_details_edit(client, setup):
    client.force_login(setup.secretary)
    response = client.post(meeting_url(setup, "committee:edit"), {
        "date": "2024-01-31", "start_time": "09:30", "end_time": "12:00", "place": "ห้องประชุม 501",
        "others_attending": "นายทดสอบ ผู้แทนสำนักงบประมาณ", "minute_taker": setup.secretary.pk,
    })  # fmt: skip
    assert response.status_code == 302
    setup.meeting.refresh_from_db()
    assert setup.meeting.place == "ห้องประชุม 501" and setup.meeting.end_time.hour == 12
    response = client.post(
        meeting_url(setup, "committee:edit"),
        {"date": "2024-01-31", "start_time": "12:00", "end_time": "09:00"},
    )
    assert response.status_code == 200  # end before start: the form again
    response = client.post(meeting_url(setup, "committee:edit"), {
        "date": "2024-01-31", "start_time": "12:00", "end_time": "09:00", "place": "ห้องประชุม 502",
        "minute_taker": setup.secretary.pk,
    })  # fmt: skip
    assert response.status_code == 200
    # The rule is update_meeting's; the page shows its message on the field it names.
    assert response.context["form"].errors["end_time"] == ["เวลาเลิกประชุมต้องไม่ก่อนเวลาเริ่มประชุม"]
    setup.meeting.refresh_from_db()
    assert setup.meeting.place == "ห้องประชุม 501" and setup.meeting.end_time.hour == 12


def test_next_meeting_selector(setup):
    from committee.selectors import get_next_meeting_for

    assert get_next_meeting_for(setup.chair) == setup.meeting
    assert get_next_meeting_for(make_user(Role.COMMITTEE)) is None
    other = make_setup()
    assert get_next_meeting_for(other.chair) == other.meeting


def test_agenda_items_warn_of_likely_duplicates(client, setup):
    title = "โครงการพัฒนาระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติแบบบูรณาการ"
    summary = "พัฒนาแพลตฟอร์มกลางเชื่อมโยงข้อมูลสุขภาพของประชาชนระหว่างโรงพยาบาลทั่วประเทศ"
    first = add_item(setup, title_th=title, summary=summary)
    second = add_item(setup, title_th=title, summary=summary)
    lonely = add_item(setup, title_th="โครงการจัดซื้อเครื่องคอมพิวเตอร์สำนักงาน", summary="ครุภัณฑ์")
    client.force_login(setup.chair)
    page = client.get(meeting_url(setup)).content.decode()
    card = page.split(f'id="item-{first.pk}"')[1].split("</article>")[0]
    assert second.proposal.get_absolute_url() in card and "%" in card
    card = page.split(f'id="item-{lonely.pk}"')[1].split("</article>")[0]
    assert "duplicate-flag" not in card and first.proposal.get_absolute_url() not in card


def test_an_item_shows_its_five_most_similar_proposals_and_says_more_may_exist(client, setup):
    title = "โครงการพัฒนาระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติแบบบูรณาการ"
    summary = "พัฒนาแพลตฟอร์มกลางเชื่อมโยงข้อมูลสุขภาพของประชาชนระหว่างโรงพยาบาลทั่วประเทศ"
    item = add_item(setup, title_th=title, summary=summary)
    # Eight other agencies' proposals look alike, each a little less than the one before.
    alike = [add_item(setup, title_th=f"{title}{'ระยะ' * k}", summary=summary) for k in range(8)]
    client.force_login(setup.chair)
    page = client.get(meeting_url(setup)).content.decode()
    card = page.split(f'id="item-{item.pk}"')[1].split("</article>")[0]
    shown = [other for other in alike if other.proposal.get_absolute_url() in card]
    assert shown == alike[:5]  # the five most similar, best first
    assert "อาจซ้ำซ้อน 5 โครงการขึ้นไป" in card and "แสดง 5 โครงการที่คล้ายที่สุด" in card


# --- the agenda index (issue 14: "39 Tab presses to reach an item") -----------------------


def _index(page: str) -> str:
    start = page.index('id="agenda-index"')
    return page[start : page.index("</nav>", start)]


def _focusable_before(page: str, marker: str) -> int:
    """Links, buttons and fields in <main> before ``marker``: the Tab presses to reach it."""
    main = page[page.index('<main id="main"') : page.index(marker)]
    return len(
        re.findall(
            r"<a\s[^>]*href=|<button\b|<summary\b|<input\b(?![^>]*type=\"hidden\")|<select\b|<textarea\b",
            main,
        )
    )


def test_the_agenda_index_jumps_to_each_item_and_to_the_next_undecided_one(client, setup):
    mark_present(setup, setup.voters)
    items = [add_item(setup) for _ in range(4)]
    services.record_resolution(item=items[0], actor=setup.secretary, outcome=Outcome.APPROVED)
    services.record_resolution(item=items[2], actor=setup.secretary, outcome=Outcome.DEFERRED)
    client.force_login(setup.members[0])
    page = client.get(meeting_url(setup)).content.decode()
    index = _index(page)

    # Every item is listed once, in agenda order, linking to its card on the page.
    targets = re.findall(r'href="#(item-\d+)" data-index-item', index)
    assert targets == [f"item-{item.pk}" for item in items]
    assert all(f'id="{target}"' in page for target in targets)
    # "Next undecided item" goes to the first item without a resolution: the second one.
    assert re.search(rf'id="next-undecided"[^>]*href="#item-{items[1].pk}"', index)
    assert "มีมติแล้ว 2 จาก 4 วาระ" in index
    # Each card links on to the next undecided item after it (the last wraps to the first).
    card = page[page.index(f'id="item-{items[1].pk}"') : page.index(f'id="item-{items[2].pk}"')]
    assert f'href="#item-{items[3].pk}">ไปยังวาระถัดไปที่ยังไม่มีมติ' in card
    last = page[page.index(f'id="item-{items[3].pk}"') :]
    assert f'href="#item-{items[1].pk}">ไปยังวาระถัดไปที่ยังไม่มีมติ' in last
    # A few Tab presses from the skip link reach it, whatever the length of the agenda.
    assert _focusable_before(page, 'id="next-undecided"') <= 2


def test_the_agenda_index_says_when_every_item_is_decided(client, setup):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    client.force_login(setup.secretary)
    index = _index(client.get(meeting_url(setup)).content.decode())
    assert 'class="button primary hidden" id="next-undecided"' in index
    assert re.search(r'data-live="all-decided">ทุกวาระมีมติแล้ว', index)


def test_the_secretary_opens_the_meeting_through_the_page(client, setup):
    client.force_login(setup.secretary)
    page = client.get(meeting_url(setup)).content.decode()
    assert reverse("committee:open", kwargs={"pk": setup.meeting.pk}) in page
    response = client.post(meeting_url(setup, "committee:open"))
    assert response.status_code == 302
    setup.meeting.refresh_from_db()
    assert setup.meeting.opened_at is not None
    page = client.get(meeting_url(setup)).content.decode()
    opened = timezone.localtime(setup.meeting.opened_at).strftime("%H:%M")
    assert f"เปิดประชุมเวลา {opened} น." in page
    assert reverse("committee:open", kwargs={"pk": setup.meeting.pk}) not in page
    # A member cannot open (or close) a meeting.
    client.force_login(setup.members[0])
    assert client.post(meeting_url(setup, "committee:open")).status_code == 403
    assert client.post(meeting_url(setup, "committee:close")).status_code == 403


def test_the_secretary_fills_in_the_fixed_agenda_parts_and_the_reviewer(client, setup):
    client.force_login(setup.secretary)
    response = client.post(meeting_url(setup, "committee:edit"), {
        "date": "2024-01-31", "start_time": "09:30", "end_time": "12:00", "place": "ห้องประชุม 501",
        "minutes_reviewer": setup.chair.pk, "chair_announcements": "แจ้งกรอบวงเงิน",
        "minutes_certification": "รับรองรายงานการประชุมครั้งที่ 1/2566 โดยไม่มีการแก้ไข",
        "matters_arising": "", "other_matters": "นัดประชุมครั้งต่อไป",
    })  # fmt: skip
    assert response.status_code == 302
    setup.meeting.refresh_from_db()
    assert setup.meeting.minutes_reviewer == setup.chair
    assert setup.meeting.other_matters == "นัดประชุมครั้งต่อไป"
    assert setup.meeting.minutes_certification.startswith("รับรองรายงานการประชุม")


def test_an_item_decided_without_objection_shows_no_table_of_zero_votes(client, setup):
    mark_present(setup, setup.voters)
    silent, voted = add_item(setup), add_item(setup)
    services.cast_vote(item=voted, actor=setup.chair, choice="approve")
    services.approve_as_recommended(meeting=setup.meeting, actor=setup.chair, items=[silent, voted])
    client.force_login(setup.secretary)
    page = client.get(meeting_url(setup)).content.decode()
    silent_card = page[page.index(f'id="item-{silent.pk}"') : page.index(f'id="item-{voted.pk}"')]
    voted_card = page[page.index(f'id="item-{voted.pk}"') :]
    assert "data-tally=" not in silent_card and "โดยไม่มีผู้คัดค้าน (กรรมการผู้มาประชุม 5 คน)" in silent_card
    assert 'data-tally="approve">1<' in voted_card and "โดยไม่มีผู้คัดค้าน" not in voted_card
