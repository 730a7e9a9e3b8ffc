"""In the browser: the second screener scores through the real form, blind to the first's
scores until then; the flagged pair is reconciled; the pages pass axe-core (WCAG 2.1 AA)."""

from decimal import Decimal

import pytest

from directory.roles import Role
from screening import services
from screening.models import Reconciliation, ScoreSheet
from tests.a11y.conftest import axe_violations, describe
from tests.browser_support import login
from tests.factories import PASSWORD, make_proposal, make_reference_data, make_round, make_user
from tests.screening.factories import give_second, make_scored_criteria, scores_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def axe_source():
    from tests.a11y.conftest import AXE_PATH

    if not AXE_PATH.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does it)")
    return AXE_PATH.read_text(encoding="utf-8")


def test_second_screener_scores_blind_then_reconciled(live_server, chromium, axe_source):
    make_reference_data()
    plan_round = make_round(2595)
    scored = make_scored_criteria(plan_round)
    first, second, third = (make_user(Role.SCREENER, username=f"b_{n}") for n in ("a", "b", "c"))
    proposal = make_proposal(plan_round=plan_round, code="B-1", requested=Decimal("1000000"))
    give_second(proposal, second)
    services.assign_screener(proposal_ids=[proposal.pk], screener_id=first.pk, actor=first)
    services.screen_proposal(
        proposal_id=proposal.pk, actor=first, recommendation="forward",
        scores=scores_of(scored, [4, 4], reason="FIRST-REASON"),
    )  # fmt: skip
    context = chromium.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, second.username, PASSWORD)
    page.goto(f"{live_server.url}/screening/{proposal.pk}/")
    assert page.locator("[data-testid=score-blind]").is_visible()
    assert "FIRST-REASON" not in page.content()
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations)
    for criterion in scored:
        page.check(f"input[name=s{criterion.pk}_value][value='0']")
        page.fill(f"textarea[name=s{criterion.pk}_reason]", "ยังไม่พร้อม")
    page.get_by_role("button", name="ส่งคะแนนของฉัน").click()
    page.wait_for_load_state("networkidle")
    assert ScoreSheet.objects.filter(proposal=proposal).count() == 2
    assert "FIRST-REASON" in page.content()
    assert page.locator("[data-testid=score-flagged]").is_visible()
    context.close()

    context = chromium.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, third.username, PASSWORD)
    page.goto(f"{live_server.url}/screening/{proposal.pk}/")
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations)
    for criterion in scored:
        page.check(f"form[action$='/reconcile/'] input[name=s{criterion.pk}_value][value='2']")
    page.fill("form[action$='/reconcile/'] textarea[name=reason]", "หารือร่วมกันแล้ว")
    page.get_by_role("button", name="บันทึกคะแนนที่ได้ข้อยุติ").click()
    page.wait_for_load_state("networkidle")
    assert Reconciliation.objects.get(proposal=proposal).score == Decimal("50.00")
    assert page.locator("[data-testid=reconciliation]").is_visible()
    page.goto(f"{live_server.url}/screening/dashboard/?round={plan_round.fiscal_year}")
    assert page.locator("[data-testid=alpha-table]").is_visible()
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations)
    context.close()
