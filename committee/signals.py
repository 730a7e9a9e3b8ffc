"""What the committee app announces to the apps above it (which it may not import)."""

from django.dispatch import Signal

# Sent inside the transaction that closes a meeting, once its resolutions have taken effect on
# their proposals (status, approved amounts, budget lines), with ``meeting`` and ``actor``: the
# plans app keeps its round summaries up to date in that same transaction.
resolutions_applied = Signal()
