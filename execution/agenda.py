"""The quarterly progress report as an item for information on a committee meeting.

Execution sits above the committee: it reads the committee's open meetings and calls the
committee's service with plain text; the committee never reads a project or a report. The
figures are frozen in the text at the moment the secretary adds it, in Thai (the minutes are an
official Thai document), so the minutes print what the meeting was told.
"""

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.formatting import format_baht, format_date_long
from proposals.models import PlanRound

from .selectors import Progress


def _latest_quarter(progress: Progress) -> int | None:
    """The last quarter with any reported money; None before the first report."""
    reported = [f.quarter for f in progress.totals.quarters if f.disbursed or f.committed]
    return reported[-1] if reported else None


def progress_item_text(plan_round: PlanRound, progress: Progress) -> tuple[str, str]:
    """(title, body) of the item: the headline figures of the dashboard, as they are now."""
    with translation.override("th"):
        totals = progress.totals
        title = _("Progress of the projects of the plan %(year)s") % {
            "year": plan_round.fiscal_year
        }
        lines = [
            _("%(projects)s projects, approved %(approved)s baht in all.")
            % {"projects": totals.projects, "approved": format_baht(totals.approved)}
        ]
        quarter = _latest_quarter(progress)
        if quarter is None:
            lines.append(_("No quarterly report has been received yet."))
        else:
            figure = totals.quarters[quarter - 1]
            line = _(
                "By the end of Q%(quarter)s: disbursed %(disbursed)s baht (%(percent)s%% of the "
                "approved), committed %(committed)s baht."
            ) % {
                "quarter": quarter,
                "disbursed": format_baht(figure.disbursed),
                "percent": figure.percent if figure.percent is not None else "0.00",
                "committed": format_baht(figure.committed),
            }
            if figure.target is not None:
                line += " " + _("The round's target: %(target)s%%.") % {"target": figure.target}
            lines.append(line)
        counts = ", ".join(f"{label} {count}" for _s, label, count in progress.status_counts)
        lines.append(_("Projects by status: %(counts)s.") % {"counts": counts})
        lines.append(
            _("Figures as of %(date)s.") % {"date": format_date_long(timezone.localdate(), "th")}
        )
    return str(title), "\n".join(str(line) for line in lines)
