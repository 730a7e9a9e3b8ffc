"""Items for information (เรื่องเพื่อทราบ): the secretary adds and removes them; the agenda page
lists them; a closed meeting and other roles are refused and nothing changes."""

import pytest
from django.urls import reverse

from committee import services
from committee.models import InformationItem
from committee.services import CommitteeError
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_secretary_adds_items_in_order_with_an_audit_event(setup):
    first = services.add_information_item(
        meeting=setup.meeting, actor=setup.secretary, title="  ความก้าวหน้า  ", body="ตัวเลข\n"
    )
    second = services.add_information_item(
        meeting=setup.meeting, actor=setup.secretary, title="เรื่องที่สอง", link="/plans/2569/"
    )
    assert (first.title, first.body, first.order) == ("ความก้าวหน้า", "ตัวเลข", 1)
    assert (second.order, second.link) == (2, "/plans/2569/")
    assert AuditEvent.objects.filter(code="agenda.information_added").count() == 2


def test_others_a_blank_title_and_a_closed_meeting_are_refused(setup):
    with pytest.raises(CommitteeError):
        services.add_information_item(meeting=setup.meeting, actor=setup.chair, title="x")
    with pytest.raises(CommitteeError):
        services.add_information_item(meeting=setup.meeting, actor=setup.secretary, title=" \n")
    setup.meeting.status = "closed"
    setup.meeting.save(update_fields=["status"])
    with pytest.raises(CommitteeError):
        services.add_information_item(meeting=setup.meeting, actor=setup.secretary, title="x")
    assert not InformationItem.objects.exists()


def test_the_agenda_page_lists_and_removes_them(client, setup):
    item = services.add_information_item(
        meeting=setup.meeting, actor=setup.secretary, title="ความก้าวหน้าของแผน"
    )
    client.force_login(setup.secretary)
    url = reverse("committee:agenda", args=[setup.meeting.pk])
    assert "ความก้าวหน้าของแผน" in client.get(url).content.decode()
    # a forged id, or another meeting's item, removes nothing
    for bad in ("abc", str(item.pk + 1000)):
        client.post(url, {"action": "remove_information", "information": bad})
    assert InformationItem.objects.filter(pk=item.pk).exists()
    client.post(url, {"action": "remove_information", "information": str(item.pk)})
    assert not InformationItem.objects.exists()
    assert AuditEvent.objects.filter(code="agenda.information_removed").count() == 1


def test_a_member_cannot_remove_one(client, setup):
    item = services.add_information_item(meeting=setup.meeting, actor=setup.secretary, title="x")
    client.force_login(setup.members[0])
    url = reverse("committee:agenda", args=[setup.meeting.pk])
    response = client.post(url, {"action": "remove_information", "information": str(item.pk)})
    assert response.status_code == 403
    assert InformationItem.objects.filter(pk=item.pk).exists()
