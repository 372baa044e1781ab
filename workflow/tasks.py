"""Celery tasks of the workflow: thin wrappers that call the sweep and log what it did."""

import logging

from celery import shared_task

from ops.services import heartbeat_record

from .sweep import deadlines_recompute_provisional, pauses_sweep, sweep

logger = logging.getLogger(__name__)

# The heartbeat each finished sweep leaves; /healthz/ reads it to tell a stopped beat or worker from a quiet night.
SWEEP_HEARTBEAT = "deadline-sweep"


@shared_task(acks_late=True, ignore_result=True)
def sweep_deadlines() -> dict:
    """Run by beat every few minutes; overlapping runs are harmless (every step is claimed)."""
    report = sweep()
    if report.reminded or report.failed or report.digests or report.urged:
        logger.info(
            "Deadline sweep: %d clocks reminded, %d skipped, %d failed, %d digests, %d cases urged",
            report.reminded,
            report.skipped,
            report.failed,
            report.digests,
            report.urged,
        )
    heartbeat_record(name=SWEEP_HEARTBEAT)
    return {"reminded": report.reminded, "failed": report.failed, "digests": report.digests, "urged": report.urged}


@shared_task(acks_late=True, ignore_result=True)
def recompute_provisional_deadlines() -> int:
    """Run by beat every hour and after an admin edit of the calendar; a clock whose count did not change is skipped."""
    changed = deadlines_recompute_provisional()
    if changed:
        logger.info("Provisional deadlines: %d recomputed", changed)
    return changed


@shared_task(name="workflow.tasks.sweep_pauses", acks_late=True, ignore_result=True)
def sweep_pauses() -> dict:
    """Run by beat every few minutes: the enterprises' reminders of paused cases, and the clocks whose pause
    reached its expected date resumed. Overlapping runs are harmless (each reminder is claimed, each resume is a
    transition under the case's lock)."""
    report = pauses_sweep()
    if report.reminded or report.resumed or report.failed:
        logger.info(
            "Pause sweep: %d reminded, %d clocks resumed, %d failed", report.reminded, report.resumed, report.failed
        )
    return {"reminded": report.reminded, "resumed": report.resumed, "failed": report.failed}
