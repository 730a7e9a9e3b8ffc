"""The agency picker: a search field with server suggestions, instead of a <select> of every
agency."""

import pytest
from django.urls import reverse

from directory.forms import AgencyField
from tests.factories import make_agency, make_ministry, make_user

SUGGEST = reverse("directory:agency_suggestions")
INBOX = reverse("screening:inbox")


@pytest.fixture
def agencies(db):
    digital = make_ministry(code="m-digital", name_th="กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม")
    health = make_ministry(code="m-health", name_th="กระทรวงสาธารณสุข")
    return {
        "nso": make_agency(digital, code="nso", name_th="สำนักงานสถิติแห่งชาติ",
                           name_en="National Statistical Office", abbreviation="สสช."),
        "ddc": make_agency(health, code="ddc", name_th="กรมควบคุมโรค",
                           name_en="Department of Disease Control", abbreviation="คร."),
        "dms": make_agency(health, code="dms", name_th="กรมการแพทย์", abbreviation="คร."),
    }  # fmt: skip


@pytest.mark.parametrize(
    "typed", ["สำนักงานสถิติแห่งชาติ", "  national statistical OFFICE ", "สสช.", "nso"]
)
def test_field_takes_a_name_abbreviation_or_code(agencies, typed):
    assert AgencyField().clean(typed) == agencies["nso"]


def test_field_takes_a_number(agencies):
    assert AgencyField().clean(str(agencies["ddc"].pk)) == agencies["ddc"]


@pytest.mark.parametrize("typed", ["คร.", "ไม่มีหน่วยงานนี้", "สำนักงาน", "a\x00b", "9" * 30])
def test_field_refuses_what_is_not_exactly_one_agency(agencies, typed):
    field = AgencyField()
    with pytest.raises(Exception) as caught:
        field.clean(typed)
    assert caught.value.code == "invalid_choice"
    assert "กรุณาเลือกจากรายการที่ระบบแนะนำ" in caught.value.messages[0]


def test_suggestions_match_every_term_in_any_name(client, agencies):
    client.force_login(make_user())
    data = client.get(SUGGEST, {"q": "กรม"}).json()
    assert [a["code"] for a in data["agencies"]] == ["dms", "ddc"]  # by Thai name
    data = client.get(SUGGEST, {"q": "disease control"}).json()
    assert data["agencies"] == [
        {"value": "กรมควบคุมโรค", "label": "คร. · กระทรวงสาธารณสุข", "code": "ddc"}
    ]
    data = client.get(SUGGEST, {"q": "", "ministry": "m-digital"}).json()
    assert [a["code"] for a in data["agencies"]] == ["nso"]
    assert client.get(SUGGEST, {"q": "x\x00"}).json() == {"agencies": []}


def test_suggestions_are_at_most_twenty(client, db):
    for i in range(25):
        make_agency(None, code=f"many-{i}", name_th=f"หน่วยงานทดสอบที่ {i:02d}")
    client.force_login(make_user())
    data = client.get(SUGGEST, {"q": "ทดสอบ"}).json()
    assert len(data["agencies"]) == 20
    assert data["agencies"][0]["value"] == "หน่วยงานทดสอบที่ 00"


def test_suggestions_need_a_signed_in_person(client, agencies):
    response = client.get(SUGGEST, {"q": "กรม"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
