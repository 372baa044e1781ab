"""Key-project milestones (挂图作战): the standard nodes, each project's planned and actual dates, its year's
planned investment and the investment completed month by month. Rules in docs/projects.md.

A node's state (done on time, done late, due soon, late) is not stored: it follows from its dates and the
working calendar (``selectors.milestone_state``), so it can never disagree with them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from enterprises.models import KeyProject


class MilestoneKind(models.Model):
    """One node of the standard list every key project is planned against (签约, 立项, 土地 ... 投产)."""

    name_zh = models.CharField(_("Chinese name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("milestone kind")
        verbose_name_plural = _("milestone kinds")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Milestone(models.Model):
    """A planned node of a key project and, once reached, the date it was reached on.

    While it is not reached it climbs a reminder ladder (``reminders.MilestoneLadder``): ``due_at`` is the end
    of working hours on the planned day; recording the actual date ends the ladder.
    """

    project = models.ForeignKey(
        KeyProject,
        verbose_name=_("key project"),
        on_delete=models.CASCADE,
        related_name="milestones",
        db_index=False,
    )
    kind = models.ForeignKey(MilestoneKind, verbose_name=_("node"), on_delete=models.PROTECT, related_name="milestones")
    planned_on = models.DateField(_("planned date"))
    due_at = models.DateTimeField(_("due at"), help_text=_("The end of working hours on the planned date."))
    done_on = models.DateField(_("actual date"), null=True, blank=True)
    notes = models.TextField(
        _("internal notes"),
        blank=True,
        help_text=_("For the task force and the officials; the enterprise never sees them."),
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    reminder_step = models.PositiveSmallIntegerField(_("reminder steps done"), default=0)
    remind_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, help_text=_("Empty while nothing is to be reminded.")
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "kind__position", "kind_id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="one_milestone_per_kind")]
        indexes = [
            # The sweep's only query: nodes not reached whose next reminder has come.
            models.Index(
                fields=["remind_at", "id"],
                condition=Q(done_on__isnull=True, remind_at__isnull=False),
                name="milestone_open_remind_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.kind}"


class ProjectYearPlan(models.Model):
    """The investment a key project plans to complete in one year, in 万元."""

    project = models.ForeignKey(
        KeyProject,
        verbose_name=_("key project"),
        on_delete=models.CASCADE,
        related_name="year_plans",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    planned_investment = models.DecimalField(_("planned investment (10,000 yuan)"), max_digits=12, decimal_places=2)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("year's investment plan")
        verbose_name_plural = _("years' investment plans")
        ordering = ["project", "-year"]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="one_investment_plan_per_year")]

    def __str__(self) -> str:
        return f"{self.project} {self.year}"


class ProjectInvestment(models.Model):
    """The investment a key project completed in one month, in 万元, as its task force reported it."""

    project = models.ForeignKey(
        KeyProject,
        verbose_name=_("key project"),
        on_delete=models.CASCADE,
        related_name="investments",
        db_index=False,
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount = models.DecimalField(_("completed investment (10,000 yuan)"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly investment")
        verbose_name_plural = _("monthly investments")
        ordering = ["project", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="one_investment_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="investment_month_first_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="investment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"
