"""The editable part of the working-day calendar: overrides of single days and imported years."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day whose status an administrator set, over the library's schedule and the Monday–Friday guess.

    ``import_holidays`` writes the holidays and make-up working days (调休) of a
    year the library does not cover yet; a single correction can also be
    entered in the admin.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked for a make-up working day, unticked for a holiday.")
    )
    name = models.CharField(_("holiday"), max_length=50, help_text=_("The holiday it belongs to, e.g. 春节."))
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The notice it comes from, e.g. 国办发明电〔2025〕7号.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule was entered, so its deadlines are no longer provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The State Council notice, e.g. 国办发明电〔2025〕7号.")
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
