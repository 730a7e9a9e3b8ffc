"""Deadline day: the round's last minutes under Locust, through gunicorn on loopback.

    python -m bench.run --scale 1000                     # with the rest, at the first size
    python -m bench.run --scale 1000 --skip-pages --skip-voting --skip-exports --skip-progress \
        --deadline-duration 60 --deadline-agencies 30    # a short trial on its own

300 agency users (one complete draft each, in the open round) save sections three times, attach
a 2 MB PDF and submit, all within the run (10 minutes by default), while 10 screeners page and
filter the inbox and 2 budget users download the published 110-project plan (its files made at
publication, as the worker does). Locust runs headless in its own process for a bounded time
(``--run-time``), on 127.0.0.1 only. Afterwards the database is counted: every proposal submitted
once (one status change to ``submitted``, one audit event), every attachment stored once and
readable with the bytes that were sent.
"""

import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from core.models import AuditEvent
from directory.models import Agency, User
from directory.roles import Role
from proposals.models import (
    KPI,
    Attachment,
    Benefit,
    BudgetLine,
    DGStrategy,
    ExpenseCategory,
    NationalStrategy,
    Proposal,
    Stage,
    StatusChange,
)
from proposals.workflow import Status

from .data import PASSWORD
from .deadline_files import expected_digest
from .voting import HOST, free_port, start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
AGENCY_USERS, SCREENERS, BUDGET_USERS = 300, 10, 2
ATTACHMENT_BYTES = 2 * 1024 * 1024
DURATION_S = 600
STORED_PDF_P95_MS = 100
TARGETS = {"save_p95_ms": 500, "submit_p95_ms": 1000, "errors": 0, "lost": 0}
COMPLETE = {
    "title_en": "Deadline project", "project_type": "new", "duration_years": 1,
    "official_name": "นางสาวทดสอบ ระบบ", "official_position": "นักวิเคราะห์นโยบายและแผน",
    "official_phone": "02 123 4567", "official_email": "official@example.go.th",
    "alignment_justification": "สอดคล้องกับยุทธศาสตร์", "rationale": "หลักการและเหตุผล",
    "objectives": "วัตถุประสงค์", "target_group": "ประชาชน", "outputs": "ผลผลิต",
    "outcomes": "ผลลัพธ์",
}  # fmt: skip


def _users(prefix, count, role, password_hash, agencies=None):
    group = Group.objects.get_or_create(name=role)[0]
    users = []
    for i in range(count):
        user, _ = User.objects.update_or_create(
            username=f"{prefix}{i:03d}",
            defaults={"password": password_hash, "first_name": f"{prefix}{i}",
                      "last_name": "ทดสอบ", "is_active": True,
                      "agency": agencies[i % len(agencies)] if agencies else None},
        )  # fmt: skip
        user.groups.add(group)
        users.append(user)
    return users


def _drafts(plan_round, submitters):
    """One complete draft per submitter (everything but the attachment, sent during the run)."""
    stage, benefit = Stage.objects.first(), Benefit.objects.first()
    strategy, national = DGStrategy.objects.first(), NationalStrategy.objects.first()
    drafts = []
    for i, user in enumerate(submitters):
        proposal = Proposal.objects.create(
            round=plan_round, agency=user.agency, status=Status.DRAFT,
            code=f"{plan_round.fiscal_year}-9{i:03d}", title_th=f"โครงการวันปิดรับ {i}",
            requested_amount=Decimal("2500000.00"), stage=stage, benefit=benefit,
            dg_strategy=strategy, national_strategy=national, created_by=user, **COMPLETE,
        )  # fmt: skip
        BudgetLine.objects.create(
            proposal=proposal, fiscal_year=plan_round.fiscal_year,
            category=ExpenseCategory.OPERATING, amount=Decimal("2500000.00"),
        )  # fmt: skip
        KPI.objects.create(proposal=proposal, indicator="จำนวนบริการ", unit="บริการ", target="10")
        drafts.append(proposal)
    return drafts


def prepare(ds, *, agencies, screeners, budget_users):
    """The accounts and drafts of the run; the small plan's files made as the worker does."""
    from plans.models import PlanVersion
    from plans.services import make_version_files

    password_hash = make_password(PASSWORD)
    with transaction.atomic():
        submitters = _users(
            "bench_agency", agencies, Role.SUBMITTER, password_hash,
            agencies=list(Agency.objects.order_by("pk")),
        )  # fmt: skip
        drafts = _drafts(ds.open_round, submitters)
        screener_users = _users("bench_dl_screener", screeners, Role.SCREENER, password_hash)
        budget = _users("bench_dl_budget", budget_users, Role.BUDGET_OFFICE, password_hash)
    version = PlanVersion.objects.filter(round=ds.small_round).order_by("-number").first()
    make_version_files(version_id=version.pk)
    return {
        "password": PASSWORD,
        "plan_year": ds.small_round.fiscal_year,
        "agencies": [
            {
                "username": u.username,
                "proposal": p.pk,
                "attachment_size": ATTACHMENT_BYTES,
                "attachment_seed": p.pk,
            }
            for u, p in zip(submitters, drafts, strict=True)
        ],  # fmt: skip
        "screeners": [u.username for u in screener_users],
        "budget": [u.username for u in budget],
    }


def _run_locust(plan, *, duration_s, workdir, workers):
    port = free_port()
    plan = {**plan, "host": f"http://{HOST}:{port}", "duration_s": duration_s}
    plan_path = workdir / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    users = len(plan["agencies"]) + len(plan["screeners"]) + len(plan["budget"])
    process = start_gunicorn(port, workers)
    try:
        run_time = int(duration_s * 1.15) + 30  # room for the last journeys; then it stops
        done = subprocess.run(  # noqa: S603 (our own interpreter and locustfile, loopback)
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile_deadline.py"),
             "--headless", "--users", str(users), "--spawn-rate", str(users),
             "--run-time", f"{run_time}s", "--stop-timeout", "30", "--csv", str(workdir / "run"),
             "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "DEADLINE_PLAN": str(plan_path),
                           "DEADLINE_JOURNEYS": str(workdir / "journeys.json")},
            capture_output=True, text=True, timeout=run_time + 180, check=False,
        )  # fmt: skip
    finally:
        stop(process)
    if done.returncode != 0:
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
    journeys_path = workdir / "journeys.json"
    journeys = json.loads(journeys_path.read_text()) if journeys_path.exists() else []
    stats = _read_stats(workdir / "run_stats.csv")
    return stats, _read_failures(workdir / "run_failures.csv"), journeys


def _read_stats(path):
    kinds = {}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            kinds[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
                "max_ms": round(float(row["Max Response Time"] or 0), 1),
            }
    return kinds


def _read_failures(path):
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [
            {"kind": row["Name"], "error": row["Error"][:300], "count": int(row["Occurrences"])}
            for row in csv.DictReader(handle)
        ]


def count_check(plan, journeys):
    """Every draft submitted exactly once; every attachment stored once and readable as sent.

    ``journeys`` says what each agency user was told: a submission or an attachment the app
    accepted (its redirect) but did not store is lost; a journey the run's end cut short is
    unfinished, which the target counts as a miss too (every agency submits within the time).
    """
    ids = [a["proposal"] for a in plan["agencies"]]
    accepted_submit = {j["proposal"] for j in journeys if j["submitted"]}
    accepted_attach = {j["proposal"] for j in journeys if j["attached"]}
    submitted = set(
        Proposal.objects.filter(pk__in=ids, status=Status.SUBMITTED).values_list("pk", flat=True)
    )
    changes = StatusChange.objects.filter(proposal_id__in=ids, to_status=Status.SUBMITTED)
    events = AuditEvent.objects.filter(code="proposal.submitted", target_id__in=map(str, ids))
    attachments = list(Attachment.objects.filter(proposal_id__in=ids))
    unreadable_ids = set()
    for attachment in attachments:
        try:
            with attachment.file.open("rb") as stored:
                content = stored.read()
        except OSError:
            unreadable_ids.add(attachment.proposal_id)
            continue
        expected = expected_digest(attachment.proposal_id, ATTACHMENT_BYTES)
        if hashlib.sha256(content).hexdigest() != expected:
            unreadable_ids.add(attachment.proposal_id)
    per_proposal = {}
    for attachment in attachments:
        per_proposal[attachment.proposal_id] = per_proposal.get(attachment.proposal_id, 0) + 1
    readable = {a.proposal_id for a in attachments} - unreadable_ids
    return {
        "agency_users": len(ids),
        "journeys_finished": len(accepted_submit),
        "unfinished": len(ids) - len(accepted_submit),
        "submitted": len(submitted),
        "lost_submissions": len(accepted_submit - submitted),
        "lost_attachments": len(accepted_attach - readable),
        "submitted_twice": changes.count() - len({c.proposal_id for c in changes}),
        "status_changes": changes.count(),
        "audit_events": events.count(),
        "attachments": len(attachments),
        "attachments_doubled": sum(n - 1 for n in per_proposal.values() if n > 1),
        "attachments_unreadable": len(unreadable_ids),
    }


def measure_deadline(ds, *, duration_s=DURATION_S, agencies=AGENCY_USERS, workers=4):
    """Prepare, run Locust, count; the figures and verdicts of the deadline-day benchmark."""
    plan = prepare(ds, agencies=agencies, screeners=SCREENERS, budget_users=BUDGET_USERS)
    with tempfile.TemporaryDirectory(prefix="bench-deadline-") as tmp:
        kinds, failures, journeys = _run_locust(
            plan, duration_s=duration_s, workdir=Path(tmp), workers=workers
        )
    counts = count_check(plan, journeys)
    for attachment in Attachment.objects.filter(
        proposal_id__in=[a["proposal"] for a in plan["agencies"]]
    ):
        attachment.file.delete(save=False)  # 600 MB of uploads: the database goes, so do they
    errors = sum(k["failures"] for k in kinds.values())
    lost = counts["lost_submissions"] + counts["lost_attachments"]  # unreadable ones included
    doubled = counts["submitted_twice"] + counts["attachments_doubled"]
    save, submit = kinds.get("section save", {}), kinds.get("submit", {})
    return {
        "duration_s": duration_s,
        "users": {"agencies": agencies, "screeners": SCREENERS, "budget": BUDGET_USERS},
        "gunicorn_workers": workers,
        "kinds": kinds,
        "failures": failures,
        "counts": counts,
        "errors": errors,
        "lost": lost,
        "doubled": doubled,
        "verdicts": {
            "save_p95": bool(save) and save["p95_ms"] <= TARGETS["save_p95_ms"],
            "submit_p95": bool(submit) and submit["p95_ms"] <= TARGETS["submit_p95_ms"],
            "no_errors": errors == 0,
            "none_lost": lost == 0 and doubled == 0 and counts["unfinished"] == 0,
        },
    }


def table(results):
    """Issue 20's rows of plan files and deadline day: (rendered table, verdicts)."""
    from .report import _Table

    out = _Table()
    stored = results.get("stored_download")
    if stored:
        out.add(
            "published plan.pdf served stored p50/p95 ms", f"{stored['projects']} projects",
            f"{stored['p50_ms']} / {stored['p95_ms']} ms, {stored['queries']} q "
            f"({stored['requests']} req, {stored['bytes']:,} bytes)",
            f"p95 ≤ {STORED_PDF_P95_MS} ms", stored["p95_ms"] <= STORED_PDF_P95_MS,
        )  # fmt: skip
    for s in results["scales"]:
        if "deadline" in s:
            _deadline_rows(out, f"{s['n']:,}", s["deadline"])
    return out.render(), out.verdicts


def _deadline_rows(out, size, d):
    users = d["users"]
    who = f"{users['agencies']}+{users['screeners']}+{users['budget']} users"
    size = f"{size}; {who}, {d['duration_s']} s"
    for name, k in sorted(d["kinds"].items()):
        out.add(f"deadline: {name} p50/p95/p99 ms", size,
                f"{k['p50_ms']:.0f} / {k['p95_ms']:.0f} / {k['p99_ms']:.0f} ms "
                f"({k['requests']} req, {k['failures']} failed)")  # fmt: skip
    save, submit = d["kinds"].get("section save"), d["kinds"].get("submit")
    out.add("deadline: section save p95", size, f"{save['p95_ms']:.0f} ms" if save else "none",
            f"≤ {TARGETS['save_p95_ms']} ms", d["verdicts"]["save_p95"])  # fmt: skip
    out.add("deadline: submit p95", size, f"{submit['p95_ms']:.0f} ms" if submit else "none",
            f"≤ {TARGETS['submit_p95_ms']} ms", d["verdicts"]["submit_p95"])  # fmt: skip
    out.add("deadline: errors", size, str(d["errors"]), "0", d["verdicts"]["no_errors"])
    c = d["counts"]
    out.add("deadline: count check", size,
            f"{c['submitted']}/{c['agency_users']} submitted ({c['status_changes']} changes, "
            f"{c['audit_events']} events), {c['unfinished']} unfinished at the end; "
            f"{c['attachments']} attachments, {c['attachments_unreadable']} unreadable; "
            f"lost {d['lost']}, doubled {d['doubled']}",
            "0 lost", d["verdicts"]["none_lost"])  # fmt: skip
