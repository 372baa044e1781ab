"""The periodic sweeps: reminders up the clocks' ladder, the supervisors' daily digest, provisional deadlines;
and the pauses' own (the enterprise's reminder, the clock resumed once the expected date has passed).

Each function does a bounded amount of work and reports what it did, so the
Celery task loops over it and tests call it directly.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from cases.models import CaseState, UrgingLevel
from enterprises.access import jurisdictions
from enterprises.models import Role
from notifications.models import Notification
from notifications.services import Message, notifications_create, recipient_key

from . import clock
from .deadlines import CaseClocks, overdue_cutoff
from .ladder import BATCH_SIZE, SweepReport, next_remind_at
from .models import ClockKind, ClockPause, DeadlineCycle, PauseState
from .reminders import STEPS, ClockLadder, PauseLadder
from .selectors import clock_running_late_q, work_calendar
from .services import case_close_unanswered, case_pause_expire, case_urge_overdue
from .workdays import Deadline, WorkCalendar

logger = logging.getLogger(__name__)

DIGEST_LINES = 50
CLOCKS = ClockLadder(close=case_close_unanswered)
PAUSES = PauseLadder()


def sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Everything due now. Outside working hours nothing is sent: it all waits for the next working morning."""
    now = now or clock.now()
    calendar = work_calendar()
    total = CLOCKS.sweep(now=now, calendar=calendar, limit=limit)
    if total.outside_working_hours:
        return total
    total.add(auto_urge(now, calendar=calendar, limit=limit))
    total.digests = overdue_digest(now, calendar=calendar)
    return total


def pauses_sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """The pauses' reminders and the pauses whose expected date has passed; after hours both wait for the morning,
    so a clock resumed by the sweep is resumed in working hours, once."""
    now = now or clock.now()
    calendar = work_calendar()
    total = PAUSES.sweep(now=now, calendar=calendar, limit=limit)
    if not total.outside_working_hours:
        total.add(pauses_expire(now, calendar=calendar, limit=limit))
    return total


def pauses_expire(now: datetime, *, calendar: WorkCalendar, limit: int = BATCH_SIZE) -> SweepReport:
    """Resume every running pause whose expected date has passed, one transaction per case (``case_pause_expire``
    locks the case first and re-reads the pause, so a second sweep resumes nothing). A case that fails is logged
    and skipped; keyset batches keep it from holding up the rest, and the next sweep tries it again."""
    report = SweepReport()
    last_id = 0
    while True:
        due = list(
            ClockPause.objects.filter(state=PauseState.RUNNING, due_at__lte=now, id__gt=last_id)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        for pause_id in due:
            last_id = pause_id
            try:
                if case_pause_expire(pause_id=pause_id, now=now, calendar=calendar):
                    report.resumed += 1
                else:
                    report.skipped += 1
            except Exception as error:
                logger.exception("Resuming pause %s failed; the next sweep tries again", pause_id)
                report.failed += 1
                report.errors.append(f"pause {pause_id}: {error}")
        if len(due) < limit:
            return report


def auto_urge(now: datetime, *, calendar: WorkCalendar, limit: int = BATCH_SIZE) -> SweepReport:
    """Urge (催办) assigned cases whose resolution clock is ``HUIYIN["AUTO_URGE_AFTER_WORKDAYS"]`` working days late.

    Only clocks nobody has urged yet: each is claimed once (``DeadlineCycle.urged_at``), so a case a
    supervisor lowered or cleared stays as they left it until a new resolution clock starts (an
    extension or a reopen). One transaction per case; a case that fails is logged and skipped, and
    the next sweep tries it again. Keyset batches keep a failing case from holding up the rest.
    """
    report = SweepReport()
    after = settings.HUIYIN["AUTO_URGE_AFTER_WORKDAYS"]
    if after <= 0:
        return report
    cutoff = overdue_cutoff(calendar, now, after)
    urgeable = DeadlineCycle.objects.filter(
        kind=ClockKind.RESOLUTION,
        ended_at__isnull=True,
        urged_at__isnull=True,
        due_at__lt=cutoff,
        case__state=CaseState.ASSIGNED,
        case__urging_level=UrgingLevel.NONE,
    )
    last: tuple[datetime, int] | None = None  # the due time and id of the last clock tried
    while True:
        # In due order, the order of ``cycle_running_due``: the index reads only the late clocks and stops at a
        # batch. In id order PostgreSQL walked the whole table's primary key, every sweep, to find almost none.
        batch = urgeable
        if last is not None:
            batch = batch.filter(due_at__gte=last[0]).exclude(due_at=last[0], id__lte=last[1])
        cycles = list(batch.order_by("due_at", "id")[:limit])
        for cycle in cycles:
            last = cycle.due_at, cycle.pk
            try:
                if case_urge_overdue(cycle=cycle, calendar=calendar, now=now):
                    report.urged += 1
                else:
                    report.skipped += 1
            except Exception as error:
                logger.exception("Automatic urging of case %s failed; the next sweep tries again", cycle.case_id)
                report.failed += 1
                report.errors.append(f"urge {cycle.case_id}: {error}")
        if len(cycles) < limit:
            return report


def overdue_digest(now: datetime, *, calendar: WorkCalendar) -> int:
    """Once a day, each supervisor gets one message listing every overdue case in their jurisdiction."""
    day = now.astimezone(calendar.tz).date()
    key = f"digest:overdue:{day.isoformat()}"
    everyone = jurisdictions(Role.SUPERVISOR)
    sent_keys = [recipient_key(key=key, recipient_id=user.pk) for user in everyone]
    already = set(Notification.objects.filter(key__in=sent_keys).values_list("recipient_id", flat=True))
    supervisors = {user: units for user, units in everyone.items() if user.pk not in already}
    if not supervisors:
        return 0
    # Per supervisor, the count and the first lines only: a district's backlog (tens of thousands of clocks
    # at a province's size) is never loaded. It is counted once for every supervisor, by unit and township.
    late = DeadlineCycle.objects.filter(clock_running_late_q(now), kind=ClockKind.RESOLUTION)
    late_by_place = list(
        late.values_list("unit_id", "case__enterprise__township_id").annotate(clocks=Count("pk")).order_by()
    )
    sent = 0
    with transaction.atomic():
        for supervisor, units in supervisors.items():
            mine = late.filter(Q(unit_id__in=units) | Q(case__enterprise__township_id__in=units))
            first = list(mine.select_related("case", "unit", "responsible").order_by("due_at", "pk")[:DIGEST_LINES])
            if not first:
                continue
            count = sum(clocks for unit, township, clocks in late_by_place if unit in units or township in units)
            lines = [
                {"cycle": cycle, "case": cycle.case, "workdays": calendar.workdays_between(cycle.due_at, now)}
                for cycle in first
            ]
            created = notifications_create(
                recipients=[supervisor],
                message=Message(
                    kind="overdue_digest",
                    key=key,
                    link="/api/v1/cases/?overdue=true",
                    context={"lines": lines, "count": count, "more": max(0, count - DIGEST_LINES), "day": day},
                ),
            )
            sent += len(created)
    return sent


def deadlines_recompute_provisional(*, limit: int = BATCH_SIZE) -> int:
    """Recount running clocks counted over a year without an official schedule, with the calendar as it is now.

    Run when a year's schedule is imported or a day is corrected, and hourly for what changes the calendar
    outside the database (a new release with next year's schedule). A clock keeps its number of working
    days and its start; only the days counted change.
    """
    calendar = work_calendar()
    changed, last_id = 0, 0
    while True:
        cycles = list(
            DeadlineCycle.objects.filter(ended_at__isnull=True, provisional=True, id__gt=last_id)
            .select_related("case")
            .order_by("id")[:limit]
        )
        for cycle in cycles:
            last_id = cycle.pk
            if cycle.due_fixed:
                # A date people were told stays; it is only no longer a guess.
                due = Deadline(
                    due_at=cycle.due_at, provisional=not calendar.is_official(calendar.local_date(cycle.due_at))
                )
            else:
                due = calendar.add_workdays(cycle.started_at, cycle.workdays)
            if due.provisional and due.due_at == cycle.due_at:
                continue
            with transaction.atomic():
                cycle.due_at, cycle.provisional = due.due_at, due.provisional
                cycle.remind_at = next_remind_at(STEPS[cycle.kind], cycle, calendar)
                cycle.save(update_fields=["due_at", "provisional", "remind_at"])
                CaseClocks(cycle.case, calendar=calendar, at=clock.now()).mirror()
            changed += 1
        if len(cycles) < limit:
            return changed
