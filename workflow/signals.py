"""Signals the workflow sends so that apps above it can react without being imported by it.

The architecture points one way (supervision → workflow), so the workflow cannot
call supervision when a case closes; it sends ``case_closed`` instead. It is sent
inside the closing transaction with ``send`` (not ``send_robust``): a receiver
that fails rolls the close back, so the close and what hangs on it commit together.
"""

from django.dispatch import Signal

# Sent with sender=Case and keyword arguments: case (the closed row, enterprise selected),
# rating (the enterprise's satisfaction 1–5, or None), closure (cases.models.Closure),
# acting_user (None for the system) and at (the moment of closing).
case_closed = Signal()
