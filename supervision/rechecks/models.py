"""The monthly re-check (复查) of closed cases: a recorded random sample and the result of each call or visit.

Rules in docs/rechecks.md. A sample is drawn once per jurisdiction and month;
its seed, rate and population size are kept, so anyone can draw it again and
get the same cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecheckMethod(models.TextChoices):
    PHONE = "phone", _("Phone call (电话回访)")
    VISIT = "visit", _("Visit on site (实地走访)")
    OTHER = "other", _("Other")


class RecheckResult(models.TextChoices):
    PASSED = "passed", _("Passed: the problem is solved")
    FAILED = "failed", _("Failed: the problem is not solved")


class RecheckSample(models.Model):
    """The cases of one jurisdiction and month drawn for a re-check, and how they were drawn."""

    jurisdiction = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose subtree the sample covers."),
        db_index=False,
    )
    period = models.CharField(_("month"), max_length=7, help_text=_('The month of the closures, e.g. "2026-10".'))
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    seed = models.PositiveBigIntegerField(_("seed"), help_text=_("The same seed and population draw the same cases."))
    rate_percent = models.PositiveSmallIntegerField(_("rate (%)"))
    population_size = models.PositiveIntegerField(_("cases closed in the month"))
    population_digest = models.CharField(
        _("population digest"),
        max_length=64,
        help_text=_("SHA-256 of the population's case ids in ascending order, to show it did not change."),
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("re-check sample")
        verbose_name_plural = _("re-check samples")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "period"], name="one_recheck_sample_per_month"),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=1, rate_percent__lte=100), name="recheck_rate_1_to_100"
            ),
        ]
        # The list is read newest month first; the unique constraint serves the jurisdiction filter.
        indexes = [models.Index(fields=["-period_start", "-id"], name="recheck_sample_newest")]

    def __str__(self) -> str:
        return f"{self.period} · {self.jurisdiction_id}"


class RecheckItem(models.Model):
    """One drawn case and, once recorded, how it was re-checked and what was found."""

    sample = models.ForeignKey(
        RecheckSample, verbose_name=_("sample"), on_delete=models.CASCADE, related_name="items", db_index=False
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="rechecks")
    position = models.PositiveIntegerField(_("position in the draw"))
    unit = models.ForeignKey(
        "enterprises.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit that closed the case; a failed re-check counts against it."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(_("method"), max_length=10, choices=RecheckMethod.choices, blank=True)
    method_other = models.CharField(_("other method"), max_length=100, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=RecheckResult.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("re-check")
        verbose_name_plural = _("re-checks")
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "case"], name="one_recheck_per_case_and_sample"),
            models.CheckConstraint(
                condition=Q(result="", method="", checked_at__isnull=True, checked_by__isnull=True)
                | (~Q(result="") & ~Q(method="") & Q(checked_at__isnull=False, checked_by__isnull=False)),
                name="recheck_recorded_in_full",
            ),
            models.CheckConstraint(
                condition=~Q(method=RecheckMethod.OTHER) | ~Q(method_other=""), name="recheck_other_method_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id} · {self.case_id} · {self.result or '-'}"
