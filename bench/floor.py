"""The voting floor: a bare view behind the same gunicorn as the vote, served only by the
bench's settings (``bench.urls``), never by the application's URLs.

It does what any vote must do and nothing else: the same middleware (session, CSRF, the
signed-in user), one row inserted (a ``Vote`` on the floor's own agenda item) and one audit
event, in one transaction; no permission, lock, check or page. Its p95 under the same burst is
what our vote is compared with (``vote p95 ≤ 2 × floor p95``).
"""

from django.db import transaction
from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from committee.models import Vote
from core.audit import record_event


@require_POST
def floor_vote(request, item_pk):
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    now = timezone.now()
    with transaction.atomic():
        Vote.objects.create(
            agenda_item_id=item_pk, member=request.user, choice=request.POST["choice"],
            cast_at=now, updated_at=now,
        )  # fmt: skip
        record_event("bench.floor", actor=request.user, extra={"item": item_pk})
    return HttpResponseRedirect(f"/bench/floor/{item_pk}/done")
