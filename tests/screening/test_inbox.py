"""The inbox: every filter alone and combined, against hand-computed counts and sums."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.workflow import Status
from tests.factories import make_agency, make_proposal

INBOX = reverse("screening:inbox")


def get_inbox(client, params):
    response = client.get(INBOX, {"size": 200, **params})
    assert response.status_code == 200
    return response


def summary(response):
    totals = response.context["totals"]
    codes = sorted(p.code for p in response.context["proposals"])
    return totals.count, totals.requested, totals.recommended, codes


@pytest.fixture
def screener_client(client, screener):
    client.force_login(screener)
    return client


# (params, count, requested, recommended, codes) hand-counted from the table in conftest.py.
CASES = [
    ({}, 9, "19400000", "13000000", "A1 A2 A3 A4 A5 A6 A7 A8 A9"),
    ({"status": "submitted"}, 3, "3550000", "0", "A1 A2 A8"),
    ({"status": ["forwarded", "on_agenda"]}, 3, "14200000", "13000000", "A3 A6 A7"),
    ({"stage": "upstream"}, 4, "3550000", "1000000", "A1 A4 A7 A9"),
    ({"stage": "midstream"}, 3, "2850000", "0", "A2 A5 A8"),
    ({"stage": "downstream"}, 2, "13000000", "12000000", "A3 A6"),
    ({"ministry": "m-one"}, 4, "8250000", "3000000", "A1 A2 A3 A4"),
    ({"agency": "a-four"}, 2, "1250000", "1000000", "A7 A8"),
    ({"q": "ข้อมูล"}, 6, "6100000", "1000000", "A1 A2 A4 A7 A8 A9"),
    ({"q": "ควบคุมโรค"}, 3, "9900000", "9000000", "A5 A6 A9"),
    ({"q": "โรค ระบาด"}, 1, "300000", "0", "A5"),
    ({"q": "สสช."}, 2, "3500000", "0", "A1 A2"),
    ({"q": "open DATA"}, 1, "50000", "0", "A8"),
    ({"min_amount": "1,000,000"}, 5, "17700000", "13000000", "A1 A2 A3 A6 A7"),
    ({"max_amount": "๕๐๐,๐๐๐"}, 2, "350000", "0", "A5 A8"),
    ({"min_amount": "700000", "max_amount": "2500000.00"}, 4, "5450000", "1000000", "A1 A2 A4 A7"),
    ({"benefit": "common_platform"}, 3, "4000000", "1000000", "A2 A5 A7"),
    ({"round": "2589"}, 1, "111111", "0", "P1"),
    ({"round": "all"}, 10, "19511111", "13000000", "A1 A2 A3 A4 A5 A6 A7 A8 A9 P1"),
    ({"ministry": "m-one", "stage": "upstream"}, 2, "1750000", "0", "A1 A4"),
    ({"status": "submitted", "q": "ข้อมูล", "max_amount": "1000000"}, 2, "1050000", "0", "A1 A8"),
    (
        {"ministry": "m-two", "status": "forwarded", "benefit": "e2e_services"},
        1,
        "9000000",
        "9000000",
        "A6",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("params", "count", "requested", "recommended", "codes"), CASES)
def test_filter_counts_and_sums(
    screener_client, inbox_data, params, count, requested, recommended, codes
):
    response = get_inbox(screener_client, params)
    assert summary(response) == (count, Decimal(requested), Decimal(recommended), codes.split())


def test_ids_work_as_well_as_codes(screener_client, inbox_data):
    by_id = summary(get_inbox(screener_client, {"ministry": inbox_data.m2.pk}))
    by_code = summary(get_inbox(screener_client, {"ministry": "m-two"}))
    assert by_id == by_code
    assert by_id[0] == 3


def test_split_by_stage_adds_up_to_the_total(screener_client, inbox_data):
    totals = get_inbox(screener_client, {}).context["totals"]
    assert [(g.key, g.count, g.requested) for g in totals.by_stage] == [
        ("upstream", 4, Decimal("3550000")),
        ("midstream", 3, Decimal("2850000")),
        ("downstream", 2, Decimal("13000000")),
    ]
    assert sum(g.requested for g in totals.by_stage) == totals.requested


def test_drafts_never_show(screener_client, inbox_data):
    response = get_inbox(screener_client, {"q": "ร่างที่ยังไม่ส่ง"})
    assert response.context["totals"].count == 0
    assert ">D1<" not in response.content.decode()
    assert ">D1<" not in get_inbox(screener_client, {}).content.decode()


def test_unsent_drafts_show_nowhere_to_staff(screener_client, inbox_data):
    """A draft withdrawn before it was ever sent stays the agency's own: not in the inbox, its
    status filter, its downloads or the dashboard; ``status=draft`` is no choice at all."""
    make_proposal(
        plan_round=inbox_data.round, agency=inbox_data.a1, status=Status.WITHDRAWN,
        code="W0", title_th="ร่างที่ถอนก่อนส่ง", submitted_at=None,
    )  # fmt: skip
    everything = get_inbox(screener_client, {"round": "all"})
    codes = summary(everything)[3]
    assert "W0" not in codes and "D1" not in codes and "A9" in codes
    assert summary(get_inbox(screener_client, {"status": "withdrawn"}))[3] == ["A9"]
    drafts = get_inbox(screener_client, {"status": "draft"})
    assert "draft" not in dict(drafts.context["form"].fields["status"].choices)
    assert drafts.context["notices"]  # the unknown status is named, not silently widened
    csv = screener_client.get(reverse("screening:export_csv"), {"round": "all"})
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert "ร่างที่ถอนก่อนส่ง".encode() not in body and "ร่างที่ยังไม่ส่ง".encode() not in body
    assert b"A9" in body and "คลังข้อมูลสุขภาพ".encode() in body
    board = screener_client.get(reverse("screening:dashboard"), {"round": "2590"}).context["board"]
    assert board.total == 9  # A1–A9; neither D1 nor W0


def test_my_queue(client, screener, inbox_data):
    inbox_data.p["A1"].assigned_screener = screener
    inbox_data.p["A1"].save(update_fields=["assigned_screener"])
    inbox_data.p["A3"].assigned_screener = screener
    inbox_data.p["A3"].save(update_fields=["assigned_screener"])
    client.force_login(screener)
    response = client.get(reverse("screening:mine"), follow=True)
    assert summary(response)[3] == ["A1"]  # mine, awaiting screening
    assert summary(get_inbox(client, {"mine": "1"}))[3] == ["A1", "A3"]
    assert summary(get_inbox(client, {"screener": screener.pk}))[3] == ["A1", "A3"]


def test_sorting(screener_client, inbox_data):
    response = get_inbox(screener_client, {"sort": "-requested"})
    assert [p.code for p in response.context["proposals"]] == [
        "A6",
        "A3",
        "A2",
        "A7",
        "A1",
        "A4",
        "A9",
        "A5",
        "A8",
    ]
    response = get_inbox(screener_client, {"sort": "agency"})
    names = [p.agency.name_th for p in response.context["proposals"]]
    assert names == sorted(names)


@pytest.mark.parametrize(
    "params",
    [
        {"stage": "sideways"},
        {"min_amount": "abc"},
        {"max_amount": "-5"},
        {"status": "bogus"},
        {"ministry": "nowhere"},
        {"agency": "99999999"},
        {"benefit": "<script>"},
        {"sort": "drop table"},
        {"screener": "x"},
        {"round": "1999"},
        {"size": "1000000"},
        {"page": "abc"},
    ],
)
def test_malformed_values_are_ignored_with_a_notice(screener_client, inbox_data, params):
    response = get_inbox(screener_client, params)
    assert response.context["notices"], params
    assert response.context["totals"].count == 9
    assert "notice" in response.content.decode()


def test_page_past_the_end_shows_the_last_page(screener_client, inbox_data):
    response = screener_client.get(INBOX, {"size": 25, "page": 99})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    for i in range(30):
        make_proposal(plan_round=inbox_data.round, requested=Decimal(1), code=f"Z{i:02d}")
    response = screener_client.get(INBOX, {"size": 25, "page": 99})
    assert response.context["page"].number == 2
    assert len(response.context["proposals"]) == 39 - 25


def _count_queries(client, params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(INBOX, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"size": 25}, {"stage": "upstream", "ministry": "m-one", "q": "ข้อมูล", "min_amount": "1"}],
)
def test_fixed_number_of_queries(screener_client, inbox_data, django_assert_num_queries, params):
    small = _count_queries(screener_client, params)
    agencies = [make_agency() for _ in range(5)]
    for i in range(120):
        make_proposal(
            plan_round=inbox_data.round, agency=agencies[i % 5], status=Status.SUBMITTED,
            requested=Decimal(1000 + i), code=f"N{i:03d}", title_th=f"ข้อมูลทดสอบ {i}",
        )  # fmt: skip
    with django_assert_num_queries(small):
        screener_client.get(INBOX, params)
    with django_assert_num_queries(small):
        screener_client.get(INBOX, {**params, "size": 200})
    assert small <= 18  # session, user, roles, rounds, filter lookups, choices, totals, page


@pytest.mark.parametrize(
    ("language", "label"),
    [("th", "ยื่นแล้ว รอการกลั่นกรอง"), ("en", "Submitted, awaiting screening")],
)
def test_each_row_shows_its_status_in_the_users_language(
    screener_client, inbox_data, language, label
):
    response = screener_client.get(INBOX, {"status": "submitted"}, HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert html.count(f'<span class="badge badge-submitted">{label}</span>') == 3  # A1 A2 A8
