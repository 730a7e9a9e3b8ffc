"""``{% proposal_full proposal %}``: the read-only display of a whole proposal, for pages of
other apps (screening, meetings) that have the proposal but not its display context."""

from django import template

from proposals.selectors import get_proposal_display

register = template.Library()


@register.inclusion_tag("proposals/_proposal_full.html")
def proposal_full(proposal, show_timeline=True):
    return {
        "proposal": proposal,
        "display": get_proposal_display(proposal),
        "show_timeline": show_timeline,
    }
