"""The committee, its meetings, and the votes and resolutions on each agenda item."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from proposals.models import MONEY, PlanRound, Proposal, Stage


class Committee(models.Model):
    name_th = models.CharField(_("name (Thai)"), max_length=500)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name in the reader's language, when the committee has one in it."""
        if self.name_en and (get_language() or "th").startswith("en"):
            return self.name_en
        return self.name_th


class Position(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary (non-voting)")


VOTING_POSITIONS = frozenset({Position.CHAIR, Position.VICE_CHAIR, Position.MEMBER})


class Membership(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
        related_name="committee_memberships",
    )  # fmt: skip
    position = models.CharField(_("position"), max_length=16, choices=Position.choices)
    title = models.CharField(_("official title"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("committee membership")
        verbose_name_plural = _("committee memberships")
        ordering = ["committee", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="membership_unique_person"),
            models.UniqueConstraint(
                fields=["committee"], condition=Q(position="chair"), name="membership_one_chair"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_position_display()})"

    @property
    def is_voting(self) -> bool:
        return self.position in VOTING_POSITIONS


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Meeting(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="meetings"
    )
    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="meetings"
    )
    number = models.PositiveSmallIntegerField(_("meeting number"))
    year_be = models.PositiveSmallIntegerField(_("year (BE)"))
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    others_attending = models.TextField(_("others attending"), blank=True)
    minute_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("minute-taker"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    minutes_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("minutes reviewed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    # The agenda's fixed parts (ระเบียบวาระที่ 1, 2, 3 and 5 of the minutes); the proposals
    # considered are ระเบียบวาระที่ 4. Empty means "none" in the minutes.
    chair_announcements = models.TextField(
        _("matters the chair informs the meeting of"), blank=True
    )
    minutes_certification = models.TextField(_("certification of the previous minutes"), blank=True)
    matters_arising = models.TextField(_("matters arising"), blank=True)
    other_matters = models.TextField(_("other matters"), blank=True)
    # The real times, set by the services that open and close the meeting (start_time and
    # end_time are the schedule).
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The version of the live state (state.json's ETag): bumped by the services in the
    # transaction of every change the meeting's screens show (committee.services._bump_state).
    state_version = models.PositiveBigIntegerField(_("live state version"), default=0)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "number", "year_be"], name="meeting_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="meeting_status_known"
            ),
            models.CheckConstraint(
                condition=Q(opened_at__isnull=True)
                | Q(closed_at__isnull=True)
                | Q(closed_at__gte=F("opened_at")),
                name="meeting_closes_after_it_opens",
            ),
        ]

    def __str__(self):
        return f"{self.committee} {self.number_label}"

    def get_absolute_url(self):
        return reverse("committee:meeting", args=[self.pk])

    @property
    def number_label(self) -> str:
        """``1/2567``: the meeting's number within its BE year."""
        return f"{self.number}/{self.year_be}"

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED


class Attendance(models.Model):
    class Presence(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    presence = models.CharField(_("presence"), max_length=8, choices=Presence.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="attendance_unique")
        ]

    def __str__(self):
        return f"{self.membership}: {self.presence}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "proposal"], name="agenda_item_unique")
        ]

    def __str__(self):
        return f"{self.meeting.number_label} #{self.order}: {self.proposal.code}"


class InformationItem(models.Model):
    """A matter put before the meeting for information (เรื่องเพื่อทราบ), not for a decision.

    Generic on purpose: a higher layer (the progress dashboard) adds one with its figures frozen
    in ``body`` at that moment, so the minutes print what the meeting was actually told.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="information_items")
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("summary"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("item for information")
        verbose_name_plural = _("items for information")
        ordering = ["meeting", "order", "id"]

    def __str__(self):
        return f"{self.meeting.number_label}: {self.title}"


class ConflictDeclaration(models.Model):
    """A member's declared conflict of interest: they leave for the item and do not vote."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="conflicts")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["agenda_item", "member"], name="conflict_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="conflict_reason_required"),
        ]

    def __str__(self):
        return f"{self.member} on {self.agenda_item_id}"


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    APPROVE_REDUCED = "approve_reduced", _("Approve with a reduced amount")
    REJECT = "reject", _("Not approve")
    ABSTAIN = "abstain", _("Abstain")


class Vote(models.Model):
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=16, choices=VoteChoice.choices)
    amount = models.DecimalField(_("amount (baht)"), **MONEY, null=True, blank=True)
    cast_at = models.DateTimeField(_("cast"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["agenda_item", "member"], name="vote_one_per_member"),
            models.CheckConstraint(
                condition=(Q(choice="approve_reduced") & Q(amount__isnull=False) & Q(amount__gte=0))
                | (~Q(choice="approve_reduced") & Q(amount__isnull=True)),
                name="vote_amount_only_when_reduced",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.choice}"


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    APPROVED_REDUCED = "approved_reduced", _("Approved with a reduced amount")
    REJECTED = "rejected", _("Not approved")
    DEFERRED = "deferred", _("Deferred")


class DecisionMethod(models.TextChoices):
    VOTE = "vote", _("By the members' votes")
    CONSENSUS = "consensus", _("Without objection from the members present")


class Resolution(models.Model):
    """The committee's resolution (มติ) on one agenda item, and how it was taken: by the votes
    cast, or without objection from the members present (then nobody voted, and the minutes
    say so instead of printing a count of zero)."""

    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.CASCADE, related_name="resolution"
    )
    outcome = models.CharField(_("resolution"), max_length=16, choices=Outcome.choices)
    approved_amount = models.DecimalField(_("approved (baht)"), **MONEY, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    method = models.CharField(
        _("decided"), max_length=16, choices=DecisionMethod.choices, default=DecisionMethod.VOTE
    )
    # Voting members present for the item (without a conflict) when it was decided.
    members_present = models.PositiveSmallIntegerField(_("members present"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # Recorded although it takes a fiscal year over the round's budget frame: the committee
    # may, with a reason (in ``reason``, so in the minutes).
    over_frame = models.BooleanField(_("over the budget frame"), default=False)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(outcome__in=["approved", "approved_reduced"])
                    & Q(approved_amount__isnull=False)
                    & Q(approved_amount__gte=0)
                )
                | (Q(outcome__in=["rejected", "deferred"]) & Q(approved_amount__isnull=True)),
                name="resolution_amount_matches_outcome",
            ),
            models.CheckConstraint(
                condition=Q(method__in=DecisionMethod.values), name="resolution_method_known"
            ),
        ]

    def __str__(self):
        return f"{self.agenda_item_id}: {self.outcome}"


PERCENT = {"max_digits": 5, "decimal_places": 2}


class BudgetFrame(models.Model):
    """The round's budget frame (กรอบวงเงิน) for one fiscal year. A round decides its own
    fiscal year's money, but multi-year projects (งบผูกพัน) also take later years' frames."""

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="budget_frames"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    amount = models.DecimalField(_("frame (baht)"), **MONEY)

    class Meta:
        verbose_name = _("budget frame of a fiscal year")
        verbose_name_plural = _("budget frames of fiscal years")
        ordering = ["round", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["round", "fiscal_year"], name="frame_one_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="frame_non_negative"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2500) & Q(fiscal_year__lte=2800),
                name="frame_year_be",
            ),
        ]

    def __str__(self):
        return f"{self.round} {self.fiscal_year}: {self.amount}"


class StageShare(models.Model):
    """The least and the most of the round's fiscal-year frame that one value-chain stage's
    approvals may take, in percent (either may be left empty)."""

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="stage_shares"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("value-chain stage"), on_delete=models.CASCADE, related_name="+"
    )
    min_percent = models.DecimalField(_("at least (percent of the frame)"), **PERCENT, null=True,
                                      blank=True)  # fmt: skip
    max_percent = models.DecimalField(_("at most (percent of the frame)"), **PERCENT, null=True,
                                      blank=True)  # fmt: skip

    class Meta:
        verbose_name = _("stage share of the frame")
        verbose_name_plural = _("stage shares of the frame")
        ordering = ["round", "stage__order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "stage"], name="stage_share_one_per_stage"),
            models.CheckConstraint(
                condition=(Q(min_percent__isnull=True) | Q(min_percent__gte=0))
                & (Q(max_percent__isnull=True) | Q(max_percent__lte=100))
                & (
                    Q(min_percent__isnull=True)
                    | Q(max_percent__isnull=True)
                    | Q(min_percent__lte=F("max_percent"))
                ),
                name="stage_share_ordered_percent",
            ),
        ]

    def __str__(self):
        return f"{self.round} {self.stage}: {self.min_percent}–{self.max_percent}"


class Scenario(models.Model):
    """A fit-to-frame suggestion for a meeting's undecided items, with everything it was
    computed from (``inputs``) and its answer (``result``), both as JSON with amounts as
    strings, so that it reads the same later whatever changed since. Only a suggestion: the
    committee's resolutions are recorded one by one."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="scenarios")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    floor_percent = models.DecimalField(_("reductions down to (percent of the recommendation)"),
                                        **PERCENT)  # fmt: skip
    status = models.CharField(_("status"), max_length=16)
    inputs = models.JSONField(_("inputs"), default=dict)
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        verbose_name = _("fit-to-frame suggestion")
        verbose_name_plural = _("fit-to-frame suggestions")
        ordering = ["meeting", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_percent__gte=0) & Q(floor_percent__lte=100),
                name="scenario_floor_percent",
            ),
        ]

    def __str__(self):
        return f"{self.meeting.number_label} #{self.pk}"
