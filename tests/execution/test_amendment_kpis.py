"""Scope and KPI amendments: the agency asks to change a KPI's indicator, unit or target, or to
add one; approved, the change is written to the proposal's KPIs (the reports still being
written get a row for a new KPI); refused or crossed, nothing changes."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from execution.models import AmendmentKPI, AmendmentStatus, KPIActual, Project
from execution.services import (
    ExecutionError,
    create_report,
    decide_amendment,
    request_amendment,
    submit_report,
)
from proposals.models import KPI
from tests.execution.factories import make_projects

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(submitter, screener):
    make_projects(agencies=[submitter.agency], screener=screener)
    return Project.objects.get(agency=submitter.agency)


def kpi_of(project):
    return KPI.objects.get(proposal=project.proposal)


def ask(project, actor, kpis, **kwargs):
    kwargs.setdefault("reason", "ผลสำรวจผู้ใช้งานเปลี่ยนไป")
    return request_amendment(project=project, actor=actor, amounts={}, kpis=kpis, **kwargs)


def test_an_approved_kpi_amendment_edits_and_adds_kpi_rows(project, submitter, screener):
    kpi = kpi_of(project)
    draft = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    sent = create_report(project=project, fiscal_year=2569, quarter=2, actor=submitter)
    submit_report(report=sent, actor=submitter)
    amendment = ask(
        project, submitter,
        [(kpi.pk, "ผู้ใช้บริการ", "คน", "1500"), (None, "ระยะเวลารอคอย", "นาที", "10")],
        scope_change="เพิ่มบริการผ่านแอปพลิเคชัน",
    )  # fmt: skip
    rows = list(amendment.kpi_lines.order_by("id"))
    assert [(r.kpi_id, r.target_before, r.target, r.is_new) for r in rows] == [
        (kpi.pk, "1000", "1500", False),
        (None, "", "10", True),
    ]
    # nothing changes until DGA approves
    assert kpi_of(project).target == "1000"
    decide_amendment(amendment=amendment, actor=screener, approve=True)
    kpis = list(KPI.objects.filter(proposal=project.proposal).order_by("order", "id"))
    assert [(k.indicator, k.unit, k.target) for k in kpis] == [
        ("ผู้ใช้บริการ", "คน", "1500"),
        ("ระยะเวลารอคอย", "นาที", "10"),
    ]
    assert kpis[1].order > kpis[0].order
    # the draft gets a row for the new KPI; the submitted report is left as it was sent
    assert set(KPIActual.objects.filter(report=draft).values_list("kpi_id", flat=True)) == {
        k.pk for k in kpis
    }
    assert KPIActual.objects.filter(report=sent).count() == 1
    assert AmendmentKPI.objects.get(pk=rows[1].pk).kpi == kpis[1]
    # a report opened afterwards has both
    later = create_report(project=project, fiscal_year=2569, quarter=3, actor=submitter)
    assert later.kpi_actuals.count() == 2
    event = AuditEvent.objects.get(code="amendment.requested")
    assert event.extra["kpis"][0]["after"] == ["ผู้ใช้บริการ", "คน", "1500"]


def test_an_unchanged_kpi_row_is_left_out_and_nothing_at_all_is_refused(project, submitter):
    kpi = kpi_of(project)
    with pytest.raises(ExecutionError):
        ask(project, submitter, [(kpi.pk, kpi.indicator, kpi.unit, kpi.target), (None, "", "", "")])
    amendment = ask(project, submitter, [(kpi.pk, kpi.indicator, kpi.unit, "1200")])
    assert amendment.kpi_lines.count() == 1


@pytest.mark.parametrize(
    "row",
    [
        (None, "ตัวชี้วัดใหม่", "", "5"),  # no unit
        (None, "", "คน", "5"),  # no indicator
        ("kpi", "ผู้ใช้บริการ", "คน", ""),  # no target
        ("kpi", "ผู้ใช้บริการ", "คน", "9" * 101),  # too long
        ("foreign", "ผู้ใช้บริการ", "คน", "1"),  # another project's KPI
    ],
)
def test_bad_kpi_rows_are_refused_and_save_nothing(
    project, submitter, other_submitter, screener, row
):
    make_projects(agencies=[other_submitter.agency], screener=screener, fiscal_year=2570)
    ids = {
        "kpi": kpi_of(project).pk,
        "foreign": KPI.objects.get(proposal__round__fiscal_year=2570).pk,
    }
    kpi_id = ids.get(row[0]) if row[0] else None
    with pytest.raises(ExecutionError):
        ask(project, submitter, [(kpi_id, *row[1:])])
    assert not AmendmentKPI.objects.exists()
    assert kpi_of(project).target == "1000"


def test_a_kpi_changed_under_the_request_is_not_overwritten(project, submitter, screener):
    kpi = kpi_of(project)
    amendment = ask(project, submitter, [(kpi.pk, kpi.indicator, kpi.unit, "1500")])
    KPI.objects.filter(pk=kpi.pk).update(target="1200")
    with pytest.raises(ExecutionError, match="ask the agency again|ยื่นคำขอใหม่"):
        decide_amendment(amendment=amendment, actor=screener, approve=True)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.PENDING
    assert kpi_of(project).target == "1200"


def test_a_refused_kpi_amendment_changes_no_kpi(project, submitter, screener):
    kpi = kpi_of(project)
    amendment = ask(project, submitter, [(None, "ใหม่", "ครั้ง", "3")])
    decide_amendment(amendment=amendment, actor=screener, approve=False, reason="ไม่จำเป็น")
    assert list(KPI.objects.filter(proposal=project.proposal)) == [kpi]


def test_the_agency_asks_in_the_form_and_dga_sees_the_rows(project, submitter, screener):
    kpi = kpi_of(project)
    client = Client()
    client.force_login(submitter)
    url = reverse("execution:amendment_create", args=[project.pk])
    page = client.get(url).content.decode()
    assert f'name="kpitarget_{kpi.pk}"' in page and 'name="kpiindicator_new"' in page
    data = {
        "amount_2569_operating": "1,000,000.00", "amount_2569_investment": "500,000.00",
        "reason": "ขยายกลุ่มเป้าหมาย", f"kpiindicator_{kpi.pk}": kpi.indicator,
        f"kpiunit_{kpi.pk}": kpi.unit, f"kpitarget_{kpi.pk}": "2000",
        "kpiindicator_new": "ความพึงพอใจ", "kpiunit_new": "ร้อยละ", "kpitarget_new": "",
    }  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 200 and not AmendmentKPI.objects.exists()
    assert 'value="2000"' in refused.content.decode()  # nothing typed is lost
    data["kpitarget_new"] = "85"
    response = client.post(url, data)
    assert response.status_code == 302
    amendment = project.amendments.get()
    dga = Client()
    dga.force_login(screener)
    detail = dga.get(amendment.get_absolute_url()).content.decode()
    assert "ความพึงพอใจ" in detail and "2000" in detail
