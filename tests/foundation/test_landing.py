"""Every role lands on the page made for it; anonymous visitors are sent to log in."""

import datetime

import pytest
from django.utils import timezone

from committee.models import Committee, Meeting, Membership
from directory.roles import Role
from tests.factories import make_proposal, make_round, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/proposals/",
        "/screening/",
        "/meetings/",
        "/plans/2568/",
        "/notifications/",
        "/proposals/1/",
    ],
)
def test_anonymous_is_redirected_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={url}")


def test_login_page_is_thai_by_default_and_english_on_request(client):
    assert "เข้าสู่ระบบ" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()


def test_wrong_password_gets_a_clear_message(client):
    make_user(Role.SCREENER, username="someone")
    response = client.post("/accounts/login/", {"username": "someone", "password": "wrong"})
    assert response.status_code == 200
    assert "ชื่อผู้ใช้" in response.content.decode()  # Django's Thai message names the username


def _landing(client, user):
    client.force_login(user)
    return client.get("/")["Location"]


def test_each_role_lands_on_its_page(
    client, submitter, screener, budget_officer, secretary, member
):
    assert _landing(client, submitter) == "/proposals/"
    assert _landing(client, screener) == "/screening/"
    plan_round = make_round(2568, open_now=False)
    make_proposal(plan_round=plan_round, status="approved")
    assert _landing(client, budget_officer) == "/plans/2568/"
    assert _landing(client, member) == "/meetings/"  # no meeting yet: the list
    committee = Committee.objects.create(name_th="คณะกรรมการ")
    Membership.objects.create(committee=committee, user=member, position="member")
    Membership.objects.create(committee=committee, user=secretary, position="secretary")
    old = Meeting.objects.create(
        committee=committee,
        round=plan_round,
        number=1,
        year_be=2567,
        date=datetime.date(2024, 1, 31),
        status="closed",
    )
    upcoming = Meeting.objects.create(
        committee=committee,
        round=plan_round,
        number=1,
        year_be=2569,
        date=timezone.localdate() + datetime.timedelta(days=3),
    )
    assert _landing(client, member) == upcoming.get_absolute_url() != old.get_absolute_url()
    assert _landing(client, secretary) == upcoming.get_absolute_url()  # fmt: skip


def test_user_without_role_is_told(client):
    client.force_login(make_user())
    assert client.get("/").status_code == 403


def test_unknown_url_is_a_friendly_404(client, screener):
    client.force_login(screener)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.content.decode()
