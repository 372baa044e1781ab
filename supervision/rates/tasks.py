"""The periodic task that keeps the rankings' snapshots recent."""

from celery import shared_task

from workflow import clock

from .services import rates_snapshots_take


@shared_task(name="supervision.tasks.rates_snapshots_take", acks_late=True, ignore_result=True)
def rates_snapshots_take_task() -> int:
    return rates_snapshots_take(now=clock.now())
