"""The inbox's agency filter is the agency picker (directory.forms): typed, suggested, shown
back."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import login
from tests.factories import PASSWORD

SUGGEST = reverse("directory:agency_suggestions")
INBOX = reverse("screening:inbox")


def test_inbox_filters_by_the_typed_name_and_shows_it_back(client, screener, inbox_data):
    client.force_login(screener)
    response = client.get(INBOX, {"agency": "สำนักงานพัฒนารัฐบาลดิจิทัล", "size": 200})
    assert sorted(p.code for p in response.context["proposals"]) == ["A7", "A8"]
    html = response.content.decode()
    assert 'value="สำนักงานพัฒนารัฐบาลดิจิทัล"' in html
    assert f'data-agency-suggest="{SUGGEST}"' in html
    # The page lists no agency as an <option>: its size does not grow with the directory.
    assert '<option value="สำนักงานสถิติแห่งชาติ"' not in html
    assert "data-agency-suggest" in client.get(INBOX).content.decode()


def test_inbox_ignores_an_unknown_agency_with_a_notice_and_keeps_other_filters(
    client, screener, inbox_data
):
    client.force_login(screener)
    response = client.get(INBOX, {"agency": "กรมที่ไม่มีอยู่", "stage": "upstream", "size": 200})
    assert response.status_code == 200
    assert sorted(p.code for p in response.context["proposals"]) == ["A1", "A4", "A7", "A9"]
    assert any("Agency" in str(n) or "หน่วยงาน" in str(n) for n in response.context["notices"])
    # What was typed stays in the field, to be corrected.
    assert 'value="กรมที่ไม่มีอยู่"' in response.content.decode()


@pytest.mark.browser
def test_typing_part_of_a_name_offers_the_agencies(live_server, new_page, screener, inbox_data):
    page = login(new_page(), live_server, screener.username, PASSWORD)
    page.goto(f"{live_server.url}{INBOX}")
    page.click("#id_agency")
    page.keyboard.type("ควบคุม")
    # The suggestions arrive from the server into the field's <datalist>.
    expect(page.locator("#id_agency-choices option")).to_have_count(1)
    options = page.eval_on_selector_all(
        "#id_agency-choices option", "all => all.map(o => [o.value, o.label])"
    )
    assert options == [["กรมควบคุมโรค", "กระทรวงสาธารณสุข"]]
    option = options[0]
    page.fill("#id_agency", option[0])  # what choosing the suggestion puts in the field
    page.click("#filters button[type=submit]")
    page.wait_for_url("**agency=**")
    assert page.inner_text("[data-testid=total-count]").strip() == "3"  # A5, A6, A9
    assert page.input_value("#id_agency") == "กรมควบคุมโรค"
