"""Reading the audit trail for one object's history page (writing stays in core.audit)."""

from django.db.models import Q

from .audit_labels import history_rows
from .models import AuditEvent


def about(obj) -> Q:
    """Events whose target is ``obj``."""
    return Q(target_type=obj._meta.label_lower, target_id=str(obj.pk))


def about_any(model, pks) -> Q:
    """Events whose target is any of ``model``'s rows ``pks``."""
    return Q(target_type=model._meta.label_lower, target_id__in=[str(pk) for pk in pks])


def list_history(condition: Q):
    """The matching events, oldest first, with their actors: one query."""
    events = (
        AuditEvent.objects.filter(condition).select_related("actor").order_by("created_at", "id")
    )
    return history_rows(events)
