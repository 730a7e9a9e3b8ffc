from decimal import Decimal

import pytest

from directory.roles import Role
from proposals.workflow import Status
from tests.factories import (
    make_agency,
    make_ministry,
    make_proposal,
    make_reference_data,
    make_round,
    make_user,
)


class Data:
    """A round with hand-countable proposals (see ``inbox_data``)."""


@pytest.fixture
def inbox_data(db):
    """Two rounds; in FY2590 nine proposals sent to DGA (and one draft that never shows).

    | code | agency (ministry) | stage | benefit | status     | requested  | recommended |
    | A1   | a1 (m1)           | up    | b0      | submitted  | 1,000,000  |             |
    | A2   | a1 (m1)           | mid   | b1      | submitted  | 2,500,000  |             |
    | A3   | a2 (m1)           | down  | b2      | forwarded  | 4,000,000  | 3,000,000   |
    | A4   | a2 (m1)           | up    | b0      | returned   |   750,000  |             |
    | A5   | a3 (m2)           | mid   | b1      | ineligible |   300,000  |             |
    | A6   | a3 (m2)           | down  | b2      | forwarded  | 9,000,000  | 9,000,000   |
    | A7   | a4 (—)            | up    | b1      | on_agenda  | 1,200,000  | 1,000,000   |
    | A8   | a4 (—)            | mid   | b0      | submitted  |    50,000  |             |
    | A9   | a3 (m2)           | up    | b2      | withdrawn  |   600,000  |             |
    | D1   | a1 (m1)           | up    | b0      | draft      | 5,000,000  |   (hidden)  |
    plus FY2589: P1 a3 submitted 111,111.
    """
    stages, benefits = make_reference_data()
    up, mid, down = stages
    b0, b1, b2 = benefits
    d = Data()
    d.stages, d.benefits = stages, benefits
    d.round = make_round(2590, open_now=False, budget_frame=Decimal("15000000.00"))
    d.old_round = make_round(2589, open_now=False)
    d.m1 = make_ministry(code="m-one", name_th="กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม")
    d.m2 = make_ministry(code="m-two", name_th="กระทรวงสาธารณสุข")
    d.a1 = make_agency(d.m1, code="a-one", name_th="สำนักงานสถิติแห่งชาติ", abbreviation="สสช.")
    d.a2 = make_agency(d.m1, code="a-two", name_th="กรมอุตุนิยมวิทยา")
    d.a3 = make_agency(d.m2, code="a-three", name_th="กรมควบคุมโรค")
    d.a4 = make_agency(None, code="a-four", name_th="สำนักงานพัฒนารัฐบาลดิจิทัล")
    rows = [
        ("A1", d.a1, up, b0, Status.SUBMITTED, "1000000", None, "ระบบบัญชีข้อมูลสถิติ", "บัญชีข้อมูลกลาง"),
        ("A2", d.a1, mid, b1, Status.SUBMITTED, "2500000", None, "แพลตฟอร์มแลกเปลี่ยนข้อมูล", ""),
        ("A3", d.a2, down, b2, Status.FORWARDED, "4000000", "3000000", "พยากรณ์อากาศรายพื้นที่", ""),
        ("A4", d.a2, up, b0, Status.RETURNED, "750000", None, "ศูนย์ข้อมูลภูมิอากาศ", ""),
        (
            "A5",
            d.a3,
            mid,
            b1,
            Status.INELIGIBLE,
            "300000",
            None,
            "ระบบเฝ้าระวังโรคระบาด",
            "ติดตามโรคติดต่อ",
        ),
        ("A6", d.a3, down, b2, Status.FORWARDED, "9000000", "9000000", "หมอพร้อมดิจิทัล", ""),
        ("A7", d.a4, up, b1, Status.ON_AGENDA, "1200000", "1000000", "มาตรฐานข้อมูลภาครัฐ", ""),
        ("A8", d.a4, mid, b0, Status.SUBMITTED, "50000", None, "Open Data Portal", "ข้อมูลเปิด"),
        ("A9", d.a3, up, b2, Status.WITHDRAWN, "600000", None, "คลังข้อมูลสุขภาพ", ""),
        ("D1", d.a1, up, b0, Status.DRAFT, "5000000", None, "ร่างที่ยังไม่ส่ง", ""),
    ]
    d.p = {}
    for code, agency, stage, benefit, status, requested, recommended, title, summary in rows:
        d.p[code] = make_proposal(
            plan_round=d.round, agency=agency, stage=stage, benefit=benefit, status=status,
            requested=Decimal(requested),
            recommended_amount=Decimal(recommended) if recommended else None,
            code=code, title_th=title, summary=summary,
        )  # fmt: skip
    d.p["P1"] = make_proposal(
        plan_round=d.old_round, agency=d.a3, stage=up, code="P1", requested=Decimal("111111.00"),
        title_th="ระบบเฝ้าระวังโรคเก่า",
    )  # fmt: skip
    return d


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="t_admin")
