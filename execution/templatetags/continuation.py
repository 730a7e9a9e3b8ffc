"""The screening page's "last round" panel, rendered by execution.

A continuing proposal's screening page (screening) shows how the project it continues is going
with ``{% load continuation %}{% last_round proposal %}``: the figures are execution's, so
screening's code reads no project or report and imports nothing of execution (README,
Architecture).
"""

from django import template

from ..selectors import get_continuation

register = template.Library()


@register.inclusion_tag("execution/_continuation.html")
def last_round(proposal):
    """Approved, disbursed so far and KPI achievement of the proposal ``proposal`` continues."""
    return {"continuation": get_continuation(proposal)}
