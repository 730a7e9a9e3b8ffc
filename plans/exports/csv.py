"""plan.csv: one row per approved project, UTF-8 with a BOM so that Excel shows Thai.

Plain data rows only (no total row), so that the file sums like any open-data table.
"""

from django.utils.translation import gettext as _

from core.exports import write_csv

from .document import CATEGORIES, PlanDocument, category_label


def build_plan_csv(doc: PlanDocument) -> bytes:
    header = [
        _("Reference"), _("Ministry"), _("Agency"), _("Project (Thai)"), _("Project (English)"),
        _("Value-chain stage"), _("Expected benefit"), _("Requested (baht)"),
        _("Approved (baht)"),
        *(_("%(category)s %(year)s (baht)")
          % {"category": category_label(c), "year": doc.fiscal_year}
          for c in CATEGORIES),
        _("Fiscal years"),
    ]  # fmt: skip
    rows = (
        [
            p.code,
            p.ministry,
            p.agency,
            p.title_th,
            p.title_en,
            p.stage,
            p.benefit,
            p.requested,
            p.approved,
            *(p.categories[c] for c in CATEGORIES),
            p.years_label,
        ]  # fmt: skip
        for p in doc.projects
    )
    return write_csv(rows, header=header)
