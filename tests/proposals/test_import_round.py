"""DGA's bulk import: a past round's exports (the inbox's export.xlsx/.csv and plan.xlsx) come
back in with ``manage.py import_round``; every row is checked before any is written."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from budgetscreen.demo import load_demo
from committee.models import AgendaItem
from core.models import AuditEvent
from directory.roles import Role
from execution.models import Amendment, Project, QuarterlyReport
from plans.exports.document import plan_document
from plans.exports.xlsx import build_plan_xlsx
from plans.models import PlanVersion, RoundSummary
from plans.selectors import get_plan_summary
from proposals.imports import import_round
from proposals.models import BudgetLine, PlanRound, Proposal
from proposals.workflow import APPROVED_STATES, Status
from screening import exports
from screening.selectors import get_totals, inbox_queryset
from tests.factories import make_user
from tests.fixtures_data.test_demo_data import NOW

ROUND = 2568
HOSTILE_TITLE = '=HYPERLINK("http://example.invalid","x") \'@SUM(1)'


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)


@pytest.fixture
def exported(demo):
    """The FY2568 round's files as the app exports them, then the round emptied of proposals."""
    plan_round = PlanRound.objects.get(fiscal_year=ROUND)
    # Text that a spreadsheet would take for a formula must come back as the same text.
    first = Proposal.objects.filter(round=plan_round, status=Status.INELIGIBLE).first()
    first.title_th = HOSTILE_TITLE
    first.save(update_fields=["title_th"])
    queryset = inbox_queryset().filter(round=plan_round).order_by("code")
    totals = get_totals(queryset)
    version = PlanVersion.objects.filter(round=plan_round).order_by("-number").first()
    files = {
        "export.xlsx": exports.inbox_xlsx(queryset, totals),
        "export.csv": exports.inbox_csv(queryset, totals),
        "plan.xlsx": build_plan_xlsx(plan_document(version)),
    }
    before = figures(plan_round), rows(plan_round), category_lines(plan_round)
    proposals = Proposal.objects.filter(round=plan_round)
    # The plan's year under way goes first: its projects, reports and amendments keep proposals.
    projects = Project.objects.filter(proposal__in=proposals)
    Amendment.objects.filter(project__in=projects).delete()
    QuarterlyReport.objects.filter(project__in=projects).delete()
    projects.delete()
    AgendaItem.objects.filter(proposal__in=proposals).delete()
    proposals.delete()
    assert figures(plan_round) == (0, 0, Decimal("0"), 0, 0, Decimal("0"))
    return files, before


def rows(plan_round):
    """What the files carry of each proposal sent to DGA."""
    return set(
        inbox_queryset()
        .filter(round=plan_round)
        .values_list(
            "code", "agency_id", "title_th", "status", "stage_id", "benefit_id",
            "requested_amount", "recommended_amount", "approved_amount",
        )
    )  # fmt: skip


def category_lines(plan_round):
    """The approved budget of the plan year by expense category: per project (plan.xlsx's
    columns) and the plan page's breakdown."""
    per_project = set(
        BudgetLine.objects.filter(
            proposal__round=plan_round, proposal__status__in=APPROVED_STATES,
            fiscal_year=plan_round.fiscal_year, approved_amount__gt=0,
        ).values_list("proposal__code", "category", "approved_amount")
    )  # fmt: skip
    page = [
        (row.key, row.projects, row.approved) for row in get_plan_summary(plan_round).by_category
    ]
    return per_project, page


def figures(plan_round):
    totals = get_plan_summary(plan_round).totals
    return (
        totals.submitted_projects, totals.submitted_agencies, totals.requested,
        totals.approved_projects, totals.approved_agencies, totals.approved,
    )  # fmt: skip


FY2568 = (140, 95, Decimal("8369658900.00"), 110, 75, Decimal("7964000000.00"))


def write(tmp_path, files, *names):
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(files[name])
        paths.append(str(path))
    return paths


@pytest.mark.django_db
@pytest.mark.parametrize("inbox", ["export.xlsx", "export.csv"])
def test_round_trip_gives_the_plan_page_figures(exported, tmp_path, admin_client, inbox):
    files, (before, proposals, lines) = exported
    assert before == FY2568
    # The emptied round's plan page keeps its summary (nothing submitted); the import's bulk
    # writes drop it (proposals.signals.round_imported), so the page below shows the new rows.
    assert admin_client.get(reverse("plans:detail", args=[ROUND])).status_code == 200
    assert RoundSummary.objects.filter(round__fiscal_year=ROUND).exists()
    out = io.StringIO()
    call_command("import_round", *write(tmp_path, files, inbox, "plan.xlsx"), round=ROUND,
                 stdout=out)  # fmt: skip
    assert not RoundSummary.objects.filter(round__fiscal_year=ROUND).exists()
    plan_round = PlanRound.objects.get(fiscal_year=ROUND)
    assert figures(plan_round) == FY2568
    assert rows(plan_round) == proposals  # every status, agency, stage and amount as it was
    assert Proposal.objects.filter(title_th=HOSTILE_TITLE).count() == 1
    # the plan year's approved budget by expense category, project by project, as it was
    assert category_lines(plan_round) == lines and lines[0]
    assert "140 proposals created, 0 already there." in out.getvalue()
    assert AuditEvent.objects.filter(code="proposal.imported").count() == 140
    page = admin_client.get(reverse("plans:detail", args=[ROUND]))
    assert page.status_code == 200
    for text in ["140", "95", "8,369.6589", "110", "75", "7,964"]:
        assert text in page.content.decode()
    # The same files again: nothing new.
    again = io.StringIO()
    call_command("import_round", *write(tmp_path, files, inbox, "plan.xlsx"), round=ROUND,
                 stdout=again)  # fmt: skip
    assert "0 proposals created, 140 already there." in again.getvalue()
    assert "สร้างข้อเสนอ 0 รายการ มีอยู่แล้ว 140 รายการ" in again.getvalue()
    assert Proposal.objects.filter(round=plan_round).count() == 140
    assert AuditEvent.objects.filter(code="proposal.imported").count() == 140


@pytest.mark.django_db
def test_plan_alone_gives_the_approved_figures(exported, tmp_path):
    """plan.xlsx lists only the approved projects: the submitted figures need the inbox's file."""
    files, _before = exported
    call_command("import_round", *write(tmp_path, files, "plan.xlsx"), round=ROUND,
                 stdout=io.StringIO())  # fmt: skip
    plan_round = PlanRound.objects.get(fiscal_year=ROUND)
    totals = figures(plan_round)
    assert totals[3:] == FY2568[3:]
    assert totals[0] == 110
    assert category_lines(plan_round) == _before[2]
    # The inbox's export then adds the 30 proposals that were not approved, and nothing else.
    out = io.StringIO()
    call_command("import_round", *write(tmp_path, files, "export.xlsx"), round=ROUND, stdout=out)
    assert "30 proposals created, 110 already there." in out.getvalue()
    assert figures(PlanRound.objects.get(fiscal_year=ROUND)) == FY2568


@pytest.mark.django_db
def test_inbox_export_alone_takes_the_recommendation_as_approved(exported, tmp_path):
    """export.xlsx has no approved amount: an approved proposal gets its recommended amount."""
    files, _before = exported
    call_command("import_round", *write(tmp_path, files, "export.xlsx"), round=ROUND,
                 stdout=io.StringIO())  # fmt: skip
    plan_round = PlanRound.objects.get(fiscal_year=ROUND)
    assert figures(plan_round)[:5] == FY2568[:5]
    approved = Proposal.objects.filter(round=plan_round, status__in=APPROVED_STATES)
    assert approved.count() == 110
    assert all(p.approved_amount == p.recommended_amount for p in approved)


@pytest.mark.django_db
def test_dry_run_writes_nothing(exported, tmp_path):
    files, _before = exported
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("import_round", *write(tmp_path, files, "export.xlsx", "plan.xlsx"), round=ROUND,
                 dry_run=True, stdout=out)  # fmt: skip
    assert "Dry run: 140 proposals would be created, 0 already there." in out.getvalue()
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()
    assert AuditEvent.objects.count() == events


def _edited(content, edit):
    workbook = load_workbook(io.BytesIO(content))
    edit(workbook.worksheets[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_one_bad_row_imports_nothing_and_names_the_cell(exported):
    files, _before = exported

    def edit(sheet):
        sheet["E5"] = "กรมที่ไม่มีอยู่จริง"  # agency
        sheet["L7"] = "หนึ่งล้าน"  # requested
        sheet["I9"] = "อนุมัติแน่นอน"  # status

    content = _edited(files["export.xlsx"], edit)
    result = import_round([("export.xlsx", content)], fiscal_year=ROUND)
    assert not result.ok
    text = "\n".join(result.errors)
    assert "E5" in text and "L7" in text and "I9" in text
    assert result.unmatched_agencies == ["กรมที่ไม่มีอยู่จริง"]
    assert " / " in text  # Thai and English
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()
    with pytest.raises(CommandError):
        call_command("import_round", "/nonexistent.xlsx", round=ROUND)


@pytest.mark.django_db
def test_wrong_round_and_hostile_files_are_refused(exported):
    files, _before = exported
    wrong = import_round([("export.xlsx", files["export.xlsx"])], fiscal_year=2569)
    assert not wrong.ok
    assert "2569" in wrong.errors[0]
    macro = import_round([("export.xlsm", files["export.xlsx"])], fiscal_year=ROUND)
    assert not macro.ok and ".xlsx" in macro.errors[0]
    junk = import_round([("export.xlsx", b"PK\x03\x04 not a zip")], fiscal_year=ROUND)
    assert not junk.ok
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()


# --- the same in the screening pages: upload → preview → confirm (administrators only) ----


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN)


def _upload(client, files, *names):
    data = {"fiscal_year": str(ROUND), "file": SimpleUploadedFile(names[0], files[names[0]])}
    if len(names) > 1:
        data["plan"] = SimpleUploadedFile(names[1], files[names[1]])
    return client.post(reverse("screening:round_import"), data)


@pytest.mark.django_db
def test_preview_then_confirm_in_the_screening_pages(exported, client, admin_user):
    files, (before, proposals, lines) = exported
    client.force_login(admin_user)
    page = _upload(client, files, "export.xlsx", "plan.xlsx")
    assert page.status_code == 200
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()  # a preview only
    token = page.context["token"]
    assert token and len(page.context["created"]) == 140
    # Another administrator cannot confirm this one's preview; a forged token does nothing.
    other = Client()
    other.force_login(make_user(Role.ADMIN))
    other.post(reverse("screening:round_import"), {"confirm": token})
    client.post(reverse("screening:round_import"), {"confirm": token[:-3] + "abc"})
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()
    done = client.post(reverse("screening:round_import"), {"confirm": token})
    assert done.status_code == 302
    plan_round = PlanRound.objects.get(fiscal_year=ROUND)
    assert figures(plan_round) == before and rows(plan_round) == proposals
    assert category_lines(plan_round) == lines
    events = AuditEvent.objects.filter(code="proposal.imported")
    assert events.count() == 140 and {e.actor_id for e in events} == {admin_user.pk}
    # Replaying the confirmation imports nothing more (the kept files are gone).
    client.post(reverse("screening:round_import"), {"confirm": token})
    assert AuditEvent.objects.filter(code="proposal.imported").count() == 140


@pytest.mark.django_db
def test_preview_lists_errors_and_writes_nothing(exported, client, admin_user):
    files, _before = exported

    def edit(sheet):
        sheet["E5"] = "กรมที่ไม่มีอยู่จริง"

    files = {"export.xlsx": _edited(files["export.xlsx"], edit)}
    client.force_login(admin_user)
    page = _upload(client, files, "export.xlsx")
    assert page.status_code == 200
    assert not page.context["token"]
    assert "กรมที่ไม่มีอยู่จริง" in page.content.decode()
    assert "!E5" in page.content.decode()
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()


def _kept_files():
    from django.core.files.storage import default_storage

    try:
        return default_storage.listdir("round-imports")[1]
    except FileNotFoundError:
        return []


@pytest.fixture
def stash(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_the_preview_files_go_on_confirm_cancel_and_after_a_day(
    exported, client, admin_user, stash
):
    """The files a preview keeps are deleted when it is confirmed or cancelled, and those of
    a preview left alone for more than a day at the next preview or by the command."""
    import datetime
    import os

    from django.utils import timezone

    from proposals.imports import purge_stale_previews

    files, _before = exported
    client.force_login(admin_user)
    token = _upload(client, files, "export.xlsx", "plan.xlsx").context["token"]
    assert len(_kept_files()) == 2
    # another administrator cannot discard this one's files
    other = Client()
    other.force_login(make_user(Role.ADMIN))
    other.post(reverse("screening:round_import"), {"cancel": token})
    assert len(_kept_files()) == 2
    response = client.post(reverse("screening:round_import"), {"cancel": token})
    assert response.status_code == 302 and _kept_files() == []
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()
    # a cancelled preview cannot be confirmed any more
    client.post(reverse("screening:round_import"), {"confirm": token})
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()
    # left alone: gone after a day, at the next preview or by the daily command
    _upload(client, files, "export.xlsx", "plan.xlsx")
    assert len(_kept_files()) == 2
    assert purge_stale_previews() == 0
    old = (timezone.now() - datetime.timedelta(days=1, minutes=1)).timestamp()
    for name in _kept_files():
        os.utime(stash / "round-imports" / name, (old, old))
    out = io.StringIO()
    call_command("purge_import_previews", stdout=out)
    assert "2 preview file(s)" in out.getvalue() and _kept_files() == []
    # confirmed: the files go with the import
    token = _upload(client, files, "export.xlsx", "plan.xlsx").context["token"]
    client.post(reverse("screening:round_import"), {"confirm": token})
    assert Proposal.objects.filter(round__fiscal_year=ROUND).count() == 140
    assert _kept_files() == []


@pytest.mark.django_db
def test_the_screening_menu_links_the_import_for_administrators_only(client, admin_user):
    url = reverse("screening:round_import")
    client.force_login(admin_user)
    assert f'href="{url}"' in client.get(reverse("screening:inbox")).content.decode()
    client.force_login(make_user(Role.SCREENER))
    assert f'href="{url}"' not in client.get(reverse("screening:inbox")).content.decode()


@pytest.mark.django_db
def test_a_bad_category_amount_in_plan_xlsx_is_named(exported):
    files, _before = exported

    def edit(sheet):
        sheet["J3"] = "ห้าแสน"  # the first expense category of the second project
        sheet["K4"] = 10**12  # more than the project's approved amount

    workbook = load_workbook(io.BytesIO(files["plan.xlsx"]))
    edit(workbook.worksheets[1])  # "Approved projects", after the summary
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_round([("plan.xlsx", buffer.getvalue())], fiscal_year=ROUND)
    text = "\n".join(result.errors)
    assert "plan.xlsx!" in text and "J3" in text and "J4" in text, text  # J4: the row's first
    assert not Proposal.objects.filter(round__fiscal_year=ROUND).exists()
