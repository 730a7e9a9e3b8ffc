import datetime

from committee.models import Committee, Meeting, MeetingStatus
from screening.models import ScreeningCriterion


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
