"""The dashboard's charts are readable: labels drawn at 11 px or more, on a desktop and on a
phone, and the page never scrolls sideways (a chart too wide for a phone scrolls in its box)."""

import pytest

from tests.browser_support import login
from tests.factories import PASSWORD

# The smallest font-size of the chart's text, times the scale the browser draws the SVG at.
SMALLEST_LABEL_PX = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')]
        .map(t => parseFloat(t.getAttribute('font-size')));
    return Math.min(...sizes) * scale;
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1280, 900), (1440, 900), (390, 844)])
def test_dashboard_chart_labels_are_readable(
    live_server, chromium, screener, inbox_data, width, height
):
    context = chromium.new_context(locale="th-TH", viewport={"width": width, "height": height})
    page = context.new_page()
    login(page, live_server, screener.username, PASSWORD)
    page.goto(f"{live_server.url}/screening/dashboard/?round={inbox_data.round.fiscal_year}")
    sizes = page.evaluate(SMALLEST_LABEL_PX)
    assert len(sizes) == 5
    assert min(sizes) >= 11, sizes
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    context.close()
