"""plan.json: the open-data file of a published version (documented in plans/OPEN_DATA.md).

Field names are stable and never translated; amounts are strings with two decimals, exact.
"""

import json

from django.utils import timezone

from .document import PlanDocument


def _names(names):
    return names["name_th"] if names else None


def plan_json_object(doc: PlanDocument) -> dict:
    snapshot = doc.snapshot
    return {
        "fiscal_year": doc.fiscal_year,
        "plan_name_th": snapshot["round"]["name_th"],
        "plan_name_en": snapshot["round"]["name_en"],
        "version": doc.version,
        "checksum": doc.checksum,
        "published_at": timezone.localtime(doc.published_at).isoformat(),
        "budget_frame": snapshot["round"]["budget_frame"],
        "totals": snapshot["totals"],
        "projects": [
            {
                "id": p["id"],
                "code": p["code"],
                "title_th": p["title_th"],
                "title_en": p["title_en"],
                "agency": _names(p["agency"]),
                "agency_code": p["agency"]["code"],
                "ministry": _names(p["ministry"]),
                "stage": p["stage"]["code"] if p["stage"] else None,
                "benefit": p["benefit"]["code"] if p["benefit"] else None,
                "status": p["status"],
                "requested_amount": p["requested_amount"],
                "approved_amount": p["approved_amount"],
                "budget_lines": [
                    {
                        "fiscal_year": line["fiscal_year"],
                        "category": line["category"],
                        "amount": line["amount"],
                        "approved_amount": line["approved_amount"],
                    }
                    for line in p["budget_lines"]
                ],
            }
            for p in snapshot["projects"]
        ],
    }


def build_plan_json(doc: PlanDocument) -> bytes:
    return (json.dumps(plan_json_object(doc), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
