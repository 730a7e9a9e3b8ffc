"""What the proposals app announces to the apps above it (which it may not import)."""

from django.dispatch import Signal

# Sent inside the import's transaction with ``plan_round`` once ``import_round`` has created its
# proposals in bulk (no ``post_save`` for them): apps that keep figures per round drop theirs.
round_imported = Signal()
