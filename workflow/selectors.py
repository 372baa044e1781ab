"""Reads for the workflow: the working-day calendar as the administrators configured it, and what
"late" means for a clock."""

from datetime import datetime
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import BooleanField, CharField, DateField, IntegerField, Q, QuerySet, Value
from django_fsm import FSMMeta

from cases.models import Case
from cases.permissions import can_urge
from cases.selectors import rows_of_cases_visible_officially_in_parts, rows_of_cases_visible_officially_to
from core.statements import CompiledOnce

from .models import CalendarDay, CalendarYear, ClockPause, ExtensionRequest, PauseState
from .workdays import DayRule, DaySource, WorkCalendar, WorkingHours


def work_calendar() -> WorkCalendar:
    """The calendar with every imported override and official year, and the configured working hours.

    Both tables in one query, compiled once per process: every page that shows a deadline reads them.
    """
    rows = _CALENDAR.rows()
    return WorkCalendar(
        overrides={
            day: DayRule(is_workday=is_workday, name=name, source=DaySource.ENTERED)
            for day, is_workday, name, year in rows
            if year is None
        },
        official_years=[year for _day, _is_workday, _name, year in rows if year is not None],
        hours=WorkingHours.parse(settings.HUIYIN["WORKING_HOURS"]),
    )


def _calendar_query() -> QuerySet:
    """The overrides' (date, is_workday, name) and the official years, in rows (date, is_workday, name, year).

    The columns are the tables' own first, so that SQLite too returns dates and booleans."""
    days = CalendarDay.objects.order_by().values_list("date", "is_workday", "name", Value(None, IntegerField()))
    years = CalendarYear.objects.order_by().values_list(
        Value(None, DateField()), Value(False, BooleanField()), Value("", CharField()), "year"
    )
    return days.union(years, all=True)


_CALENDAR = CompiledOnce(_calendar_query)


def imported_schedule(year: int) -> CalendarYear | None:
    """The record of an administrator entering ``year``'s official schedule, if anyone did."""
    return CalendarYear.objects.filter(year=year).first()


# What "late" means for a clock (``DeadlineCycle``), once: the rates, the overdue review, the trend line and
# the supervisors' digest all ask these. For a case row's mirrored deadlines see ``cases.models``.


def clock_running_late_q(now: datetime) -> Q:
    """A clock still running past its due time (late even before the sweep marks it breached)."""
    return Q(ended_at__isnull=True, due_at__lt=now)


def clock_missed_q(now: datetime) -> Q:
    """A clock that ended after its due time, or still runs past it."""
    return Q(breached=True) | clock_running_late_q(now)


def clock_late_at_q(moment: datetime) -> Q:
    """A clock that was running late at ``moment``: due before it and not ended by then."""
    return Q(due_at__lt=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gt=moment))


# The actions of a case with an address of their own (``POST cases/{id}/<name>/``), by transition.
CASE_ACTION_NAMES = {
    "assign": "assign",
    "accept": "accept",
    "send_back": "send-back",
    "reassign": "reassign",
    "resolve": "resolve",
    "reopen": "reopen",
    "close": "close",
    "withdraw": "withdraw",
    "pause": "pause",
    "resume": "resume",
}


def available_actions(case: Case, user: User | AnonymousUser) -> list[str]:
    """From django-fsm's transitions and their permission callables: the one source for API and pages.

    Only transitions with an action endpoint are offered; reopening after a re-check happens through
    the recorded re-check (``supervision/rechecks/``), never as an action of its own. Merging a duplicate
    (``POST cases/{id}/merge/``) needs a second open case of the enterprise, which a list does not read: the
    similar cases (``cases/{id}/similar/``, ``same_enterprise``) offer it. Urging is not a
    transition (the state stays), so it joins from the rule its service enforces.
    """
    state = case.state
    actions = [
        name
        for name, meta in _actions_leaving(state)
        # Conditions and permissions read the row and the user: asked of every case, as django-fsm asks them.
        if meta.conditions_met(case, state) and meta.has_transition_perm(case, state, user)
    ]
    if can_urge(case, user):
        actions.append("urge")
    return actions


@cache
def _actions_leaving(state: str) -> tuple[tuple[str, FSMMeta], ...]:
    """The transitions with an action endpoint that leave ``state``, in django-fsm's order. The same for every
    case in that state: django-fsm looks through all of them for every row, a third of a list's actions."""
    field = Case._meta.get_field("state")
    metas = [method._django_fsm for method in field.transitions[Case].values()]
    return tuple(
        (CASE_ACTION_NAMES[meta.get_transition(state).name], meta)
        for meta in metas
        if meta.has_transition(state) and meta.get_transition(state).name in CASE_ACTION_NAMES
    )


def extensions_visible_to(user: User | AnonymousUser) -> QuerySet[ExtensionRequest]:
    """Extension requests of cases the user sees as an official; enterprise users see none."""
    rows = ExtensionRequest.objects.select_related("case", "requested_by", "decided_by")
    return rows_of_cases_visible_officially_to(user, rows, through="case__")


def extensions_visible_in_parts(user: User | AnonymousUser) -> list[QuerySet[ExtensionRequest]]:
    """``extensions_visible_to`` in disjoint parts, without what a row shows: to count them
    (``rows_of_cases_visible_officially_in_parts``)."""
    return rows_of_cases_visible_officially_in_parts(user, ExtensionRequest.objects.all(), through="case__")


def pause_limits() -> tuple[int, int]:
    """How many pauses, and how many paused working days in all, a case may have without a supervisor's approval
    (``HUIYIN["PAUSE_MAX_COUNT"]``, ``HUIYIN["PAUSE_MAX_WORKDAYS"]``)."""
    return settings.HUIYIN["PAUSE_MAX_COUNT"], settings.HUIYIN["PAUSE_MAX_WORKDAYS"]


PAUSE_RELATED = ("case", "case__enterprise", "requested_by", "decided_by", "ended_by")


def pauses_visible_to(user: User | AnonymousUser) -> QuerySet[ClockPause]:
    """Pauses of cases the user sees as an official, with their internal reason; an enterprise user sees none
    here, only what its case's running pause asks of it (``running_pause``)."""
    rows = ClockPause.objects.select_related(*PAUSE_RELATED)
    return rows_of_cases_visible_officially_to(user, rows, through="case__")


def running_pause(case: Case) -> ClockPause | None:
    """The pause that stops the case's clock now: what is asked and until when. No query for a case that is
    not paused (the row says so)."""
    if case.paused_until is None:
        return None
    return case.pauses.filter(state=PauseState.RUNNING).first()
