"""What the plans app announces to the apps above it (which it may not import)."""

from django.dispatch import Signal

# Sent inside the publishing transaction with ``version`` and ``actor``: a receiver's error
# undoes the publication, so the apps that follow a plan never miss one of its versions.
plan_published = Signal()
