"""Signals enterprises send so that apps above it can react without being imported by it.

The architecture points one way (supervision → enterprises), so a change of the three-level service
cannot call supervision's visit duties; it sends ``service_assignments_changed`` instead, inside the
transaction of the change, with ``send`` (not ``send_robust``): a receiver that fails rolls the change
back, so the 包保 and what hangs on it commit together.
"""

from django.dispatch import Signal

# Sent with sender=ServiceAssignment and keyword arguments: enterprise_ids (the enterprises whose current
# 包保 period ended, was replaced or began) and at (the moment of the change).
service_assignments_changed = Signal()
