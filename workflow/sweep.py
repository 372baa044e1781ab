"""The periodic deadline sweep: reminders up the ladder, the supervisors' daily digest, provisional deadlines.

Each function does a bounded amount of work and reports what it did, so the
Celery task loops over it and tests call it directly.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from cases.models import CaseState, UrgingLevel
from enterprises.access import jurisdictions
from enterprises.models import Role
from notifications.models import Notification
from notifications.services import Message, notifications_create, notifications_create_many

from . import clock
from .deadlines import CaseClocks, overdue_cutoff
from .models import ClockKind, DeadlineCycle
from .reminders import Audience, cycle_claim, cycles_due, next_remind_at, push_back
from .selectors import work_calendar
from .services import case_close_unanswered, case_urge_overdue
from .workdays import Deadline

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
DIGEST_LINES = 50


@dataclass
class SweepReport:
    reminded: int = 0
    skipped: int = 0
    failed: int = 0
    digests: int = 0
    urged: int = 0
    outside_working_hours: bool = False
    errors: list[str] = field(default_factory=list)


def sweep_batch(now: datetime, *, calendar, limit: int = BATCH_SIZE) -> SweepReport:
    """One batch of clocks whose next reminder is due; the caller repeats while it comes back full.

    The batch commits once and writes all its reminders in one go. If anything in it fails, it
    is rolled back and redone one clock at a time, so that only the failing clock waits.
    """
    cycles = list(cycles_due(now, limit=limit))
    if not cycles:
        return SweepReport()
    audience = Audience.for_cycles(cycles)
    try:
        with transaction.atomic():
            report, reminders = SweepReport(), []
            for cycle in cycles:
                claimed = cycle_claim(cycle, calendar=calendar, audience=audience, now=now, close=case_close_unanswered)
                if claimed is None:
                    report.skipped += 1
                else:
                    report.reminded += 1
                    reminders += claimed
            notifications_create_many(items=reminders)
        return report
    except Exception:
        logger.exception("A batch of %d reminders failed; retrying it one clock at a time", len(cycles))
    return sweep_one_by_one(cycles, now=now, calendar=calendar, audience=audience)


def sweep_one_by_one(cycles: list[DeadlineCycle], *, now: datetime, calendar, audience: Audience) -> SweepReport:
    report = SweepReport()
    for cycle in cycles:
        try:
            with transaction.atomic():
                claimed = cycle_claim(cycle, calendar=calendar, audience=audience, now=now, close=case_close_unanswered)
                if claimed is not None:
                    notifications_create_many(items=claimed)
        except Exception as error:
            logger.exception("Reminder for clock %s of case %s failed; retrying later", cycle.pk, cycle.case_id)
            push_back(cycle, now)
            report.failed += 1
            report.errors.append(f"{cycle.pk}: {error}")
            continue
        if claimed is None:
            report.skipped += 1
        else:
            report.reminded += 1
    return report


def sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Everything due now. Outside working hours nothing is sent: it all waits for the next working morning."""
    now = now or clock.now()
    calendar = work_calendar()
    total = SweepReport()
    if not calendar.is_working_time(now):
        total.outside_working_hours = True
        return total
    while True:
        report = sweep_batch(now, calendar=calendar, limit=limit)
        total.reminded += report.reminded
        total.skipped += report.skipped
        total.failed += report.failed
        total.errors += report.errors
        if report.reminded + report.skipped + report.failed < limit or report.reminded == 0:
            break
    urging = auto_urge(now, calendar=calendar, limit=limit)
    total.urged, total.failed, total.errors = urging.urged, total.failed + urging.failed, total.errors + urging.errors
    total.digests = overdue_digest(now, calendar=calendar)
    return total


def auto_urge(now: datetime, *, calendar, limit: int = BATCH_SIZE) -> SweepReport:
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
    last_id = 0
    while True:
        cycles = list(
            DeadlineCycle.objects.filter(
                kind=ClockKind.RESOLUTION,
                ended_at__isnull=True,
                urged_at__isnull=True,
                due_at__lt=cutoff,
                case__state=CaseState.ASSIGNED,
                case__urging_level=UrgingLevel.NONE,
                id__gt=last_id,
            ).order_by("id")[:limit]
        )
        for cycle in cycles:
            last_id = cycle.pk
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


def overdue_digest(now: datetime, *, calendar) -> int:
    """Once a day, each supervisor gets one message listing every overdue case in their jurisdiction."""
    day = now.astimezone(calendar.tz).date()
    key = f"digest:overdue:{day.isoformat()}"
    already = set(
        Notification.objects.filter(kind="overdue_digest", key__startswith=f"{key}:").values_list(
            "recipient_id", flat=True
        )
    )
    supervisors = {user: units for user, units in jurisdictions(Role.SUPERVISOR).items() if user.pk not in already}
    if not supervisors:
        return 0
    # Only the clocks of jurisdictions still waiting for today's digest: a supervisor with nothing
    # overdue gets none, and must not make every sweep load the whole district's backlog.
    waiting = frozenset().union(*supervisors.values())
    overdue = list(
        DeadlineCycle.objects.filter(kind=ClockKind.RESOLUTION, ended_at__isnull=True, due_at__lte=now)
        .filter(Q(unit_id__in=waiting) | Q(case__enterprise__township_id__in=waiting))
        .select_related("case", "case__enterprise", "unit", "responsible")
        .order_by("due_at")
    )
    if not overdue:
        return 0
    sent = 0
    with transaction.atomic():
        for supervisor, units in supervisors.items():
            mine = [c for c in overdue if c.unit_id in units or c.case.enterprise.township_id in units]
            if not mine:
                continue
            lines = [
                {"cycle": cycle, "case": cycle.case, "workdays": calendar.workdays_between(cycle.due_at, now)}
                for cycle in mine[:DIGEST_LINES]
            ]
            created = notifications_create(
                recipients=[supervisor],
                message=Message(
                    kind="overdue_digest",
                    key=key,
                    link="/api/v1/cases/?overdue=true",
                    context={"lines": lines, "count": len(mine), "more": max(0, len(mine) - DIGEST_LINES), "day": day},
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
                cycle.remind_at = next_remind_at(cycle, calendar)
                cycle.save(update_fields=["due_at", "provisional", "remind_at"])
                CaseClocks(cycle.case, calendar=calendar, at=clock.now()).mirror()
            changed += 1
        if len(cycles) < limit:
            return changed
