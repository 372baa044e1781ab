"""Visits to served enterprises (走访台账) and the visit duty of each level of their 包保. Rules in docs/visits.md."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.workdays import WorkCalendar


class VisitMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video")


class VisitLevel(models.TextChoices):
    """The levels of the three-level 包保 that owe the enterprise visits, each with its own duty."""

    LEADER = "leader", _("Serving leader (包保领导)")
    UNIT = "unit", _("Head of the responsible unit (责任单位)")
    CADRE = "cadre", _("Serving cadre (包联干部)")
    LOCAL = "local", _("Township or street contact (属地)")


# The level a ``ServiceAssignment`` column names; the unit's level is held by the unit's heads.
PERSON_OF_LEVEL: dict[str, str] = {
    VisitLevel.LEADER: "leader_id",
    VisitLevel.CADRE: "cadre_id",
    VisitLevel.LOCAL: "local_contact_id",
}


def duty_lengths() -> dict[str, int]:
    """``HUIYIN["VISIT_DUTY_DAYS"]``: calendar days between two visits of each level; 0 means no duty."""
    lengths = settings.HUIYIN.get("VISIT_DUTY_DAYS", {})
    try:
        chosen = {level: int(lengths.get(level, 0)) for level in VisitLevel.values}
    except (TypeError, ValueError):
        chosen = {}
    if not chosen or any(days < 0 for days in chosen.values()) or set(lengths) - set(VisitLevel.values):
        raise ImproperlyConfigured(
            f"VISIT_DUTY_DAYS takes non-negative whole days for the levels {', '.join(VisitLevel.values)}."
        )
    return chosen


def duty_due_at(base: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """The end of the working day ``days`` calendar days after ``base``'s day; a day off moves it to the next
    working day, as the last day of a legal period does (民法典 第二百零三条)."""
    day: date = calendar.local_date(base) + timedelta(days=days)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return calendar.end_of_day(day)


def duty_overdue_q(now: datetime) -> Q:
    """Duties past their due time without the visit that would have moved it."""
    return Q(due_at__lt=now)


def duty_due_soon_q(now: datetime, *, until: datetime) -> Q:
    """Duties not yet late that fall due by ``until`` (the end of the reminder window, ``reminder_window_end``)."""
    return Q(due_at__gte=now, due_at__lte=until)


def reminder_window_end(now: datetime, calendar: WorkCalendar) -> datetime:
    """The due times a reminder has already been sent for by now: up to the end of the
    ``HUIYIN["VISIT_DUTY_REMIND_WORKDAYS"]``-th working day after today."""
    return calendar.add_workdays(now, settings.HUIYIN["VISIT_DUTY_REMIND_WORKDAYS"]).due_at


class Visit(models.Model):
    """One visit to an enterprise by someone who served it at the time, recorded by that person.

    What was discussed (``notes``) stays inside government; the enterprise sees that the visit happened, when,
    how and by whom, and the problems filed from it (``VisitProblem``).
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,
    )
    service = models.ForeignKey(
        "enterprises.ServiceAssignment",
        verbose_name=_("service assignment (包保)"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The 包保 period the visitor served the enterprise in when the visit was recorded."),
    )
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The responsible unit of that 包保 period."),
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    as_leader = models.BooleanField(_("as the serving leader"), default=False)
    as_unit_head = models.BooleanField(_("as head of the responsible unit"), default=False)
    as_cadre = models.BooleanField(_("as the serving cadre"), default=False)
    as_local = models.BooleanField(_("as the township or street contact"), default=False)
    visited_at = models.DateTimeField(_("visited at"))
    mode = models.CharField(_("how"), max_length=20, choices=VisitMode.choices)
    met_with = models.CharField(_("met with"), max_length=200, help_text=_("Who was met at the enterprise."))
    notes = models.TextField(_("what was discussed"), help_text=_("Internal: the enterprise never sees it."))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(as_leader=True) | Q(as_unit_head=True) | Q(as_cadre=True) | Q(as_local=True),
                name="visit_in_a_capacity",
            )
        ]
        indexes = [
            # An enterprise's visits, newest first, and its last visit on the served page.
            models.Index(fields=["enterprise", "-visited_at"], name="visit_enterprise_visited"),
            # A person's last visit to an enterprise (their duty) and the coverage's visits by the cadre.
            models.Index(fields=["visitor", "enterprise", "visited_at"], name="visit_visitor_enterprise"),
            # A unit head's visits: the unit's duty and its coverage.
            models.Index(
                fields=["unit", "enterprise", "visited_at"], condition=Q(as_unit_head=True), name="visit_unit_head"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.visited_at:%Y-%m-%d}"

    @property
    def levels(self) -> list[str]:
        """The levels of the 包保 the visitor served in, in the order of ``VisitLevel``."""
        held = {
            VisitLevel.LEADER: self.as_leader,
            VisitLevel.UNIT: self.as_unit_head,
            VisitLevel.CADRE: self.as_cadre,
            VisitLevel.LOCAL: self.as_local,
        }
        return [level for level, holds in held.items() if holds]


class VisitProblem(models.Model):
    """A problem found on a visit, filed as a case on the enterprise's behalf in the same step."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="problems")
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="visit_problem"
    )

    class Meta:
        verbose_name = _("problem found on a visit")
        verbose_name_plural = _("problems found on visits")
        ordering = ["visit", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} → {self.case_id}"


class VisitDuty(models.Model):
    """What one level of an enterprise's current 包保 owes it: the next visit, due ``HUIYIN["VISIT_DUTY_DAYS"]``
    calendar days after the last one (or after the holder took the duty on), on the ladder of reminders.

    Derived data, recomputed when a visit is recorded or the 包保 changes: one row per enterprise and level
    while the current 包保 names someone at that level (for the unit's level, while it names a unit).
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="visit_duties",
        db_index=False,
    )
    level = models.CharField(_("level"), max_length=20, choices=VisitLevel.choices)
    service = models.ForeignKey(
        "enterprises.ServiceAssignment",
        verbose_name=_("service assignment (包保)"),
        on_delete=models.CASCADE,
        related_name="visit_duties",
    )
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="visit_duties",
        help_text=_("Empty at the unit's level, which the unit's heads hold together."),
        db_index=False,
    )
    since = models.DateTimeField(_("held since"), help_text=_("When the holder took this duty on."))
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    due_at = models.DateTimeField(_("next visit due"))
    reminder_step = models.PositiveSmallIntegerField(_("reminder steps done"), default=0)
    remind_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, help_text=_("Empty while nothing is to be reminded.")
    )

    class Meta:
        verbose_name = _("visit duty")
        verbose_name_plural = _("visit duties")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "level"], name="one_visit_duty_per_level"),
            models.CheckConstraint(
                condition=Q(level="unit", person__isnull=True) | (~Q(level="unit") & Q(person__isnull=False)),
                name="visit_duty_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "due_at"], name="visit_duty_person_due"),
            models.Index(fields=["unit", "due_at"], name="visit_duty_unit_due"),
            # The sweep's only query: duties whose next reminder has come.
            models.Index(fields=["remind_at", "id"], condition=Q(remind_at__isnull=False), name="visit_duty_remind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_level_display()} · {self.due_at:%Y-%m-%d}"

    def is_overdue(self, now: datetime) -> bool:
        """``duty_overdue_q`` for one loaded row."""
        return self.due_at < now

    @property
    def holder_id(self) -> int | None:
        """Who holds it: the person, or at the unit's level the unit."""
        return self.unit_id if self.level == VisitLevel.UNIT else self.person_id
