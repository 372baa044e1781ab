"""Writes of the visit ledger (走访台账): recording a visit with the problems found, filed as cases in the same
transaction, and keeping each level's visit duty up to date.

Same shape as ``workflow.services``: keyword-only, one transaction, the row that orders concurrent writers
locked (the enterprise's current 包保 period), permission checked on the server before any input is looked
at, or nothing at all. A problem found on a visit becomes a case through ``workflow.services.case_file``, on
the enterprise's behalf as whoever serves it may: if one of them is refused, the visit is not recorded either.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils.translation import gettext as _

from cases.models import Category, Complexity
from core import limits
from core.errors import Conflict, InvalidInput
from enterprises.models import Enterprise, ServiceAssignment
from workflow import clock
from workflow.ladder import next_remind_at
from workflow.selectors import work_calendar
from workflow.services import case_file
from workflow.workdays import WorkCalendar

from .models import PERSON_OF_LEVEL, Visit, VisitDuty, VisitLevel, VisitMode, VisitProblem, duty_due_at, duty_lengths
from .permissions import ensure_may_record_visit
from .reminders import STEPS
from .selectors import current_service

# A visit is recorded within this many days of happening: the ledger is kept as the work is done, and a figure
# of a month already reported should not change much later.
RECORD_WITHIN_DAYS = 31
# Enterprises whose duties one statement reads or writes: well under SQLite's variable limit.
CHUNK = 500


@dataclass(frozen=True)
class ProblemFound:
    """A problem found on a visit, to be filed as a case of the visited enterprise."""

    category: Category
    title: str
    description: str
    complexity: str = Complexity.ORDINARY


def _refuse(field: str, message: str, code: str | None = None) -> InvalidInput:
    return InvalidInput(message, code=code or field, fields={field: [message]})


def _checked_problems(problems: Sequence[ProblemFound]) -> list[ProblemFound]:
    """Every problem complete and within its limits before anything is written; the fields say which one."""
    if len(problems) > limits.VISIT_PROBLEMS:
        message = _("A visit files at most %(count)d problems; file the others as cases of their own.") % {
            "count": limits.VISIT_PROBLEMS
        }
        raise _refuse("problems", message, "too_many_problems")
    checked = []
    for index, problem in enumerate(problems):
        try:
            title = limits.required_text(
                problem.title, "title", _("Give the problem a short title."), limit=limits.TITLE
            )
            description = limits.required_text(
                problem.description, "description", _("Describe the problem."), limit=limits.DESCRIPTION
            )
            if not problem.category.is_active:
                raise _refuse("category", _("This category is no longer in use."), "category_inactive")
            if problem.complexity not in Complexity.values:
                raise _refuse("complexity", _("Choose whether the problem is ordinary or complex."))
        except InvalidInput as refusal:
            raise InvalidInput(
                refusal.message, code=refusal.code, fields={"problems": {str(index): refusal.fields}}
            ) from None
        checked.append(ProblemFound(problem.category, title, description, problem.complexity))
    return checked


def visit_record(
    *,
    enterprise: Enterprise,
    acting_user: User,
    visited_at: datetime,
    mode: str,
    met_with: str,
    notes: str,
    problems: Sequence[ProblemFound] = (),
) -> Visit:
    """Record a visit by ``acting_user`` to an enterprise they serve now, file each problem found as a case
    linked to the visit, and move the visitor's duties; all of it or nothing."""
    service = current_service(enterprise.pk)
    capacities = ensure_may_record_visit(acting_user, service)
    now = clock.now()
    if mode not in VisitMode.values:
        raise _refuse("mode", _("Choose how the visit was made: on site, by phone or by video."))
    if visited_at is None or visited_at > now:
        raise _refuse("visited_at", _("A visit is recorded once it has happened: give a time that has passed."))
    if visited_at < now - timedelta(days=RECORD_WITHIN_DAYS):
        message = _("A visit is recorded within %(days)d days of it; this one is older.") % {"days": RECORD_WITHIN_DAYS}
        raise _refuse("visited_at", message, "visit_too_old")
    met_with = limits.required_text(met_with, "met_with", _("Say whom you met."), limit=limits.MET_WITH)
    notes = limits.required_text(notes, "notes", _("Say what was discussed."), limit=limits.VISIT_NOTES)
    problems = _checked_problems(problems)

    with transaction.atomic():
        # The current 包保 period's row orders a visit against a change of the 包保 and against another visit
        # recomputing the same duties (enterprises.services locks it to end it).
        locked = ServiceAssignment.objects.select_for_update().filter(pk=service.pk, ended_at__isnull=True).first()  # type: ignore[union-attr]  # permitted: it has a 包保
        if locked is None:
            raise Conflict(
                _("The enterprise's service assignment (包保) changed a moment ago. Reload and try again."),
                code="service_changed",
            )
        visit = Visit.objects.create(
            enterprise=enterprise,
            service=locked,
            unit_id=locked.unit_id,
            visitor=acting_user,
            as_leader=VisitLevel.LEADER in capacities,
            as_unit_head=VisitLevel.UNIT in capacities,
            as_cadre=VisitLevel.CADRE in capacities,
            as_local=VisitLevel.LOCAL in capacities,
            visited_at=visited_at,
            mode=mode,
            met_with=met_with,
            notes=notes,
            recorded_at=now,
        )
        for problem in problems:
            case = case_file(
                acting_user=acting_user,
                enterprise=enterprise,
                category=problem.category,
                title=problem.title,
                description=problem.description,
                complexity=problem.complexity,
            )
            VisitProblem.objects.create(visit=visit, case=case)
        visit_duties_recompute(enterprise_ids=[enterprise.pk], now=now)
    return visit


# --- the duties --------------------------------------------------------------------------------------------


def visit_duties_recompute(*, enterprise_ids: Iterable[int], now: datetime | None = None) -> int:
    """Bring the duties of these enterprises in line with their current 包保 and their visits; the rows written.

    Per level with a duty (``VISIT_DUTY_DAYS`` above 0) and a holder in the current 包保: the holder's last
    visit since they took the duty on, and the next due time from it. A holder who stays keeps their duty's
    start and, while the due time stays, the reminders already sent; a new holder starts now. A level without
    a holder, and an enterprise without a current 包保, has no duty. A statement or two per ``CHUNK``
    enterprises, whatever changed.
    """
    now = now or clock.now()
    lengths = duty_lengths()
    calendar = work_calendar()
    ids = sorted(set(enterprise_ids))
    written = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), CHUNK):
            written += _recompute(ids[start : start + CHUNK], lengths=lengths, calendar=calendar, now=now)
    return written


def _holder(service: ServiceAssignment, level: str) -> int | None:
    return service.unit_id if level == VisitLevel.UNIT else getattr(service, PERSON_OF_LEVEL[level])


def _recompute(ids: list[int], *, lengths: dict[str, int], calendar: WorkCalendar, now: datetime) -> int:
    services = {
        service.enterprise_id: service
        for service in ServiceAssignment.objects.filter(enterprise_id__in=ids, ended_at__isnull=True)
    }
    existing = {(duty.enterprise_id, duty.level): duty for duty in VisitDuty.objects.filter(enterprise_id__in=ids)}
    visits = Visit.objects.filter(enterprise_id__in=ids).order_by()
    by_person = {
        (enterprise_id, visitor_id): at
        for enterprise_id, visitor_id, at in visits.values("enterprise_id", "visitor_id")
        .annotate(at=Max("visited_at"))
        .values_list("enterprise_id", "visitor_id", "at")
    }
    by_head = {
        (enterprise_id, unit_id): at
        for enterprise_id, unit_id, at in visits.filter(as_unit_head=True)
        .values("enterprise_id", "unit_id")
        .annotate(at=Max("visited_at"))
        .values_list("enterprise_id", "unit_id", "at")
    }
    created, updated, stale = [], [], []
    for enterprise_id in ids:
        service = services.get(enterprise_id)
        for level in VisitLevel.values:
            holder = _holder(service, level) if service is not None and lengths[level] else None
            duty = existing.get((enterprise_id, level))
            if service is None or holder is None:
                if duty is not None:
                    stale.append(duty.pk)
                continue
            kept = duty is not None and duty.holder_id == holder
            since = duty.since if duty is not None and kept else now
            last = (by_head if level == VisitLevel.UNIT else by_person).get((enterprise_id, holder))
            last = last if last is not None and last >= since else None
            due_at = duty_due_at(max(since, last or since), lengths[level], calendar)
            values = {
                "service_id": service.pk,
                "unit_id": service.unit_id,
                "person_id": None if level == VisitLevel.UNIT else holder,
                "since": since,
                "last_visit_at": last,
                "due_at": due_at,
            }
            if duty is None:
                duty = VisitDuty(enterprise_id=enterprise_id, level=level, **values)
                duty.remind_at = next_remind_at(STEPS, duty, calendar)
                created.append(duty)
                continue
            restart = not kept or duty.due_at != due_at
            if restart or any(getattr(duty, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(duty, name, value)
                if restart:
                    duty.reminder_step = 0
                    duty.remind_at = next_remind_at(STEPS, duty, calendar)
                updated.append(duty)
    if stale:
        VisitDuty.objects.filter(pk__in=stale).delete()
    VisitDuty.objects.bulk_create(created)
    VisitDuty.objects.bulk_update(
        updated, ["service", "unit", "person", "since", "last_visit_at", "due_at", "reminder_step", "remind_at"]
    )
    return len(created) + len(updated) + len(stale)


def visit_duties_on_service_change(
    sender: type, *, enterprise_ids: Iterable[int], at: datetime, **kwargs: object
) -> None:
    """Receiver of ``enterprises.signals.service_assignments_changed`` (connected in ``SupervisionConfig.ready``):
    a changed 包保 moves its duties in the same transaction."""
    visit_duties_recompute(enterprise_ids=enterprise_ids, now=at)


def visit_duties_reconcile(*, now: datetime | None = None) -> int:
    """Recompute the enterprises whose duties do not match their 包保: a current period with a holder at a level
    with a duty but no duty row, or a duty of a period that has ended. That is every enterprise once, when
    visits come to an installation, and after any change that reached the 包保 without its services (a bulk
    load into the database). Run hourly by beat; the enterprises recomputed."""
    lengths = duty_lengths()
    missing = Q(pk__in=[])
    for level, days in lengths.items():
        if not days:
            continue
        has_holder = Q() if level == VisitLevel.UNIT else Q(**{f"{PERSON_OF_LEVEL[level]}__isnull": False})
        covered = VisitDuty.objects.filter(service_id=OuterRef("pk"), level=level)
        missing |= has_holder & ~Q(Exists(covered))
    lacking = ServiceAssignment.objects.filter(missing, ended_at__isnull=True).values_list("enterprise_id", flat=True)
    ended = VisitDuty.objects.filter(service__ended_at__isnull=False).values_list("enterprise_id", flat=True)
    enterprise_ids = set(lacking) | set(ended)
    if enterprise_ids:
        visit_duties_recompute(enterprise_ids=enterprise_ids, now=now)
    return len(enterprise_ids)
