"""Downloads of the screening inbox: the filtered rows and the totals the page shows.

The exporter only yields rows; ``core.exports`` writes them (formula-safe CSV, typed XLSX).
Both files get the same queryset (the inbox's FilterSet) and the same ``Totals`` (one selector).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import (
    CSV_CONTENT_TYPE,
    MILLION_BAHT_FORMAT,
    XLSX_CONTENT_TYPE,
    new_workbook,
    workbook_bytes,
    write_csv,
    write_xlsx_sheet,
)
from core.formatting import MILLION, format_date_short


def header():
    return [
        _("No."),
        _("Reference"),
        _("Round (fiscal year)"),
        _("Ministry"),
        _("Agency"),
        _("Title"),
        _("Value-chain stage"),
        _("Expected benefit"),
        _("Status"),
        _("Assigned screener"),
        _("Submitted"),
        _("Requested (baht)"),
        _("Recommended (baht)"),
        _("Score (of 100)"),
        _("Screeners who scored"),
    ]


def proposal_rows(queryset):
    """One row per proposal, in the page's order (``queryset`` from ``selectors.with_scores``:
    the score stays empty while it is blind, as on the page)."""
    for number, proposal in enumerate(queryset.iterator(chunk_size=2000), start=1):
        yield [
            number,
            proposal.code,
            proposal.round.fiscal_year,
            proposal.agency.ministry.name if proposal.agency.ministry_id else "",
            proposal.agency.name,
            proposal.title,
            proposal.stage.name if proposal.stage_id else "",
            proposal.benefit.name if proposal.benefit_id else "",
            proposal.get_status_display(),
            str(proposal.assigned_screener) if proposal.assigned_screener_id else "",
            format_date_short(proposal.submitted_at) if proposal.submitted_at else "",
            proposal.requested_amount,
            proposal.recommended_amount,
            getattr(proposal, "score", None),
            getattr(proposal, "score_screeners", None) or 0,
        ]


def total_row(totals):
    width = len(header())
    row = [""] * width
    row[1] = _("Total")
    row[5] = _("%(count)s proposals") % {"count": totals.count}
    row[11] = totals.requested
    row[12] = totals.recommended
    return row


def filter_description(filterset) -> list[list[str]]:
    """The filters in force, as label/value pairs, so that a file says what it holds."""
    described = []
    filterset.errors  # noqa: B018 (validates the form, as FilterSet.qs does)
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", [], False):
            continue
        label = str(filterset.filters[name].label or name)
        if isinstance(value, list | tuple):
            value = ", ".join(
                str(dict(filterset.form.fields[name].choices).get(v, v)) for v in value
            )
        described.append([label, str(value)])
    return described


def export_filename(extension) -> str:
    return f"screening-{timezone.localdate():%Y%m%d}.{extension}"


def inbox_csv(queryset, totals) -> bytes:
    rows = list(proposal_rows(queryset))
    rows.append(total_row(totals))
    return write_csv(rows, header=header())


def inbox_xlsx(queryset, totals, filterset=None) -> bytes:
    workbook = new_workbook(
        title=_("Screening inbox"), subject=_("Proposals of the Digital Government integrated plan")
    )
    write_xlsx_sheet(
        workbook,
        _("Proposals"),
        proposal_rows(queryset),
        header=header(),
        footer=total_row(totals),
        widths=[6, 14, 10, 30, 34, 60, 14, 24, 24, 18, 12, 18, 18, 12, 10],
        formats={0: "0", 2: "0", 13: "0.00", 14: "0"},
    )
    stage_rows = [
        [group.label, group.count, group.requested, group.recommended,
         group.requested / MILLION, group.recommended / MILLION]
        for group in totals.by_stage
    ]  # fmt: skip
    write_xlsx_sheet(
        workbook,
        _("By stage"),
        stage_rows,
        header=[
            _("Value-chain stage"),
            _("Proposals"),
            _("Requested (baht)"),
            _("Recommended (baht)"),
            _("Requested (million baht)"),
            _("Recommended (million baht)"),
        ],
        footer=[
            _("Total"),
            totals.count,
            totals.requested,
            totals.recommended,
            totals.requested / MILLION,
            totals.recommended / MILLION,
        ],  # fmt: skip
        widths=[24, 12, 20, 20, 20, 20],
        formats={1: "0", 4: MILLION_BAHT_FORMAT, 5: MILLION_BAHT_FORMAT},
    )
    if filterset is not None:
        write_xlsx_sheet(
            workbook,
            _("Filters"),
            filter_description(filterset) or [[_("No filter"), ""]],
            header=[_("Filter"), _("Value")],
            widths=[30, 60],
        )
    return workbook_bytes(workbook)


__all__ = ["CSV_CONTENT_TYPE", "XLSX_CONTENT_TYPE", "export_filename", "inbox_csv", "inbox_xlsx"]
