"""What the supervision demo acts with: its people, the working-day calendar, and moments in the past.

Every record is written through the services under time_machine at its moment, so its events,
notifications and the rows' own times all say when it happened; never later than now.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TypeVar

import time_machine
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from enterprises.models import Unit
from notifications.models import Delivery, DeliveryStatus
from workflow.demo.district import DISTRICT, INDUSTRY_BUREAU, LAND_BUREAU
from workflow.selectors import work_calendar

User = get_user_model()
Result = TypeVar("Result")

USERNAMES = ("supervisor", "supervisor2", "leader", "leader2", "unithead", "cadre")


class DemoOffice:
    def __init__(self) -> None:
        self.calendar = work_calendar()
        self.latest = timezone.now() - timedelta(minutes=1)
        self.today = self.calendar.local_date(self.latest)
        self.users = {user.username: user for user in User.objects.filter(username__in=USERNAMES)}
        self.units = {
            unit.name: unit for unit in Unit.objects.filter(name__in=(DISTRICT, INDUSTRY_BUREAU, LAND_BUREAU))
        }
        self.hours_a_day = sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600
            for start, end in self.calendar.hours.periods
        )

    def at(self, day: date, clock_time: time) -> datetime:
        """That time of day in the district, never later than now."""
        moment = datetime.combine(day, clock_time, tzinfo=self.calendar.tz)
        return min(moment, self.latest)

    def act(self, moment: datetime, service: Callable[..., Result], **arguments: object) -> Result:
        with time_machine.travel(min(moment, self.latest), tick=False):
            return service(**arguments)

    def later(self, moment: datetime, workdays: float) -> datetime:
        """``workdays`` of working time after ``moment``: officials act in office hours."""
        return self.calendar.add_working_hours(moment, max(workdays, 0.01) * self.hours_a_day).due_at

    def workday_of_month(self, first: date, number: int) -> date:
        """The ``number``-th working day from ``first`` on."""
        day = first - timedelta(days=1)
        for _ in range(number):
            day += timedelta(days=1)
            while not self.calendar.is_workday(day):
                day += timedelta(days=1)
        return day


def deliveries_settle(*, before: datetime) -> int:
    """The e-mails of the demo's past left with the outbox back then: every delivery due before ``before``
    counts as sent when it was due, so that the demo's worker does not send a year of mail at once and
    /healthz/ finds no stale outbox. Returns how many."""
    return Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=before).update(
        status=DeliveryStatus.SENT, attempts=1, queued_at=F("next_attempt_at"), sent_at=F("next_attempt_at")
    )
