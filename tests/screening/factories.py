import datetime
from decimal import Decimal

from committee.models import Committee, Meeting, MeetingStatus
from screening.models import (
    AssignmentKind,
    CriterionKind,
    ScoreLevel,
    ScreeningAssignment,
    ScreeningCriterion,
)
from screening.services import ScoreInput, refresh_score_summary


def make_criteria(plan_round, count=3):
    return [
        ScreeningCriterion.objects.create(round=plan_round, order=i, text_th=f"เกณฑ์ข้อที่ {i + 1}")
        for i in range(count)
    ]


def make_meeting(plan_round, *, number=1, status=MeetingStatus.SCHEDULED):
    committee = Committee.objects.first() or Committee.objects.create(
        name_th="คณะกรรมการพิจารณาแผนงานบูรณาการรัฐบาลดิจิทัล"
    )
    return Meeting.objects.create(
        committee=committee,
        round=plan_round,
        number=number,
        year_be=plan_round.fiscal_year - 1,
        date=datetime.date.today() + datetime.timedelta(days=7),
        place="ห้องประชุม 1",
        status=status,
    )


def make_scored_criteria(plan_round, specs=((1, 4), (1, 4))):
    """Scored criteria of the round, one per ``(weight, highest score)``, with level texts."""
    criteria = []
    for i, (weight, scale_max) in enumerate(specs):
        criterion = ScreeningCriterion.objects.create(
            round=plan_round, order=100 + i, text_th=f"เกณฑ์ให้คะแนน {i + 1}",
            text_en=f"Scored criterion {i + 1}", kind=CriterionKind.SCORED,
            weight=Decimal(str(weight)), scale_max=scale_max,
        )  # fmt: skip
        ScoreLevel.objects.bulk_create(
            ScoreLevel(criterion=criterion, value=v, description_th=f"ระดับ {v}",
                       description_en=f"level {v}")
            for v in range(scale_max + 1)
        )  # fmt: skip
        criteria.append(criterion)
    return criteria


def score_payload(criteria, values, reason="เหตุผล"):
    """The score fields of a form: ``values`` in the order of ``criteria``."""
    data = {}
    for criterion, value in zip(criteria, values, strict=True):
        data[f"s{criterion.pk}_value"] = str(value)
        data[f"s{criterion.pk}_reason"] = reason
    return data


def scores_of(criteria, values, reason="เหตุผล"):
    """The ``scores`` argument of the services."""
    return {c.pk: ScoreInput(v, reason) for c, v in zip(criteria, values, strict=True)}


def give_second(proposal, screener, *, due=None):
    """A second-screening task on ``proposal`` for ``screener`` (as the service gives it)."""
    task = ScreeningAssignment.objects.create(
        proposal=proposal, screener=screener, kind=AssignmentKind.SECOND,
        due_date=due or datetime.date.today() + datetime.timedelta(days=14),
    )  # fmt: skip
    refresh_score_summary(proposal)
    return task
