"""Every write of the plans app: publishing a version, and recording who downloaded one."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from proposals.models import PlanRound

from .models import PlanVersion
from .permissions import can_download_plan, can_publish_plan
from .selectors import build_plan_snapshot, snapshot_checksum


class PlanError(Exception):
    """A plan action that the rules do not allow; the message is for the user."""


def publish_plan(*, plan_round, actor, note="") -> PlanVersion:
    """Publish the round's plan as the next numbered version.

    Preconditions: ``actor`` is the committee secretary or an administrator; the round has at
    least one approved project; the content differs from the latest version.
    Effects: one ``PlanVersion`` holding the snapshot and its SHA-256 checksum, and the audit
    event ``plan.published``, in one transaction. Earlier versions are never changed.
    Raises ``PlanError`` when a precondition does not hold.
    """
    if not can_publish_plan(actor):
        raise PlanError(_("Only the committee secretary can publish the plan."))
    with transaction.atomic():
        # Locking the round serialises publishers, so that two never take the same number.
        plan_round = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        snapshot = build_plan_snapshot(plan_round)
        if not snapshot["projects"]:
            raise PlanError(_("The plan has no approved project yet: there is nothing to publish."))
        checksum = snapshot_checksum(snapshot)
        latest = (
            PlanVersion.objects.filter(round=plan_round)
            .order_by("-number")
            .values_list("number", "checksum")
            .first()
        )
        if latest and latest[1] == checksum:
            raise PlanError(
                _("Nothing has changed since version %(number)s: no new version is needed.")
                % {"number": latest[0]}
            )
        version = PlanVersion.objects.create(
            round=plan_round,
            number=(latest[0] + 1) if latest else 1,
            snapshot=snapshot,
            checksum=checksum,
            published_by=actor,
            # Whole seconds: the files carry this time and must read the same every time.
            published_at=timezone.now().replace(microsecond=0),
            note=note.strip(),
        )
        record_event(
            "plan.published",
            actor=actor,
            target=version,
            extra={
                "fiscal_year": plan_round.fiscal_year,
                "version": version.number,
                "checksum": checksum,
                "projects": snapshot["totals"]["approved_projects"],
                "approved": snapshot["totals"]["approved"],
            },
        )
    return version


def record_plan_download(*, version, actor, file_format) -> None:
    """Write the audit event ``plan.downloaded`` for one download of a published version.

    Raises ``PlanError`` when ``actor`` may not download the plan.
    """
    if not can_download_plan(actor):
        raise PlanError(_("You may not download this plan."))
    with transaction.atomic():
        record_event(
            "plan.downloaded",
            actor=actor,
            target=version,
            extra={
                "fiscal_year": version.snapshot["fiscal_year"],
                "version": version.number,
                "format": file_format,
            },
        )
