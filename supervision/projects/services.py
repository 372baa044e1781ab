"""Writes of key-project milestones: plan a node, record the date it was reached, the year's planned investment
and a month's completed investment.

Each is keyword-only and runs in one transaction with the project's row locked, so two members of a task force
reporting at once are serialised; the person and the moment are kept on the row they wrote.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from core import limits
from core.errors import Conflict, InvalidInput
from enterprises.models import KeyProject
from workflow import clock
from workflow.ladder import next_remind_at
from workflow.selectors import work_calendar

from .models import Milestone, MilestoneKind, ProjectInvestment, ProjectYearPlan
from .permissions import ensure_may_report_on
from .reminders import STEPS

# Years a plan or a report may name: a typo of a century is refused rather than stored.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
LARGEST_AMOUNT = Decimal("9999999999.99")


def _locked_project(project: KeyProject, acting_user: User) -> KeyProject:
    ensure_may_report_on(project, acting_user)
    locked = KeyProject.objects.select_for_update().get(pk=project.pk)
    if not locked.is_active:
        raise Conflict(_("This key project is no longer active."), code="project_inactive")
    return locked


def _checked_year(year: int, field: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        message = _("Give a year between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        raise InvalidInput(message, code="date_out_of_range", fields={field: [message]})


def _checked_amount(amount: Decimal, field: str) -> Decimal:
    if amount < 0 or amount > LARGEST_AMOUNT:
        message = _("Give an amount in 10,000 yuan, zero or more.")
        raise InvalidInput(message, code="amount_invalid", fields={field: [message]})
    return amount.quantize(Decimal("0.01"))


def milestone_plan(*, project: KeyProject, kind: MilestoneKind, planned_on: date, acting_user: User) -> Milestone:
    """Plan a node, or move its planned date; the reminders start afresh from the new date."""
    _checked_year(planned_on.year, "planned_on")
    if not kind.is_active:
        message = _("This node is no longer in the standard list.")
        raise InvalidInput(message, code="milestone_kind_inactive", fields={"kind": [message]})
    with transaction.atomic():
        project = _locked_project(project, acting_user)
        milestone = Milestone.objects.filter(project=project, kind=kind).first()
        if milestone is not None and milestone.done_on is not None:
            raise Conflict(_("This node is reached: its plan no longer changes."), code="milestone_done")
        calendar = work_calendar()
        milestone = milestone or Milestone(project=project, kind=kind)
        milestone.planned_on = planned_on
        milestone.due_at = calendar.end_of_day(planned_on)
        milestone.planned_by = acting_user
        milestone.reminder_step = 0
        milestone.remind_at = next_remind_at(STEPS, milestone, calendar)
        milestone.save()
    return milestone


def milestone_record(*, milestone: Milestone, done_on: date, notes: str | None = None, acting_user: User) -> Milestone:
    """Record the date a node was reached (or correct it); its reminders stop. ``notes`` stay internal."""
    _checked_year(done_on.year, "done_on")
    now = clock.now()
    if done_on > work_calendar().local_date(now):
        message = _("A node cannot be reached in the future.")
        raise InvalidInput(message, code="done_in_future", fields={"done_on": [message]})
    if notes is not None:
        notes = limits.checked_text(notes, field="notes", limit=limits.NOTE)
    with transaction.atomic():
        _locked_project(milestone.project, acting_user)
        milestone = Milestone.objects.select_related("project", "kind").get(pk=milestone.pk)
        milestone.done_on = done_on
        milestone.recorded_by = acting_user
        milestone.recorded_at = now
        milestone.remind_at = None
        if notes is not None:
            milestone.notes = notes
        milestone.save()
    return milestone


def year_plan_set(*, project: KeyProject, year: int, planned_investment: Decimal, acting_user: User) -> ProjectYearPlan:
    """Set (or change) the investment the project plans to complete in a year."""
    _checked_year(year, "year")
    planned_investment = _checked_amount(planned_investment, "planned_investment")
    with transaction.atomic():
        project = _locked_project(project, acting_user)
        plan, _created = ProjectYearPlan.objects.update_or_create(
            project=project,
            year=year,
            defaults={"planned_investment": planned_investment, "planned_by": acting_user},
        )
    return plan


def investment_record(*, project: KeyProject, month: date, amount: Decimal, acting_user: User) -> ProjectInvestment:
    """Record (or correct) the investment completed in a month; a month not yet begun cannot be reported."""
    _checked_year(month.year, "month")
    month = month.replace(day=1)
    now = clock.now()
    if month > work_calendar().local_date(now):
        message = _("A month not yet begun cannot be reported.")
        raise InvalidInput(message, code="month_in_future", fields={"month": [message]})
    amount = _checked_amount(amount, "amount")
    with transaction.atomic():
        project = _locked_project(project, acting_user)
        investment, _created = ProjectInvestment.objects.update_or_create(
            project=project,
            month=month,
            defaults={"amount": amount, "recorded_by": acting_user, "recorded_at": now},
        )
    return investment
