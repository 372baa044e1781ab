"""The counts behind a ranking, taken now and then so that a ranking page never waits for a year of clocks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RatesSnapshot(models.Model):
    """The counts of every figure of every unit (or cadre and unit) of the installation for one period, as
    counted at one moment by the very queries a live table runs (``rates.selectors``).

    A year of a province's clocks takes seconds to count; a supervisor's ranking is read from the latest
    snapshot instead, narrowed to their units (the figures of a unit do not depend on who reads them), and
    says as of when. A periodic task takes the periods people read most; any other is counted live once
    and kept. The same table keeps the rankings' weekly overdue trend (``trends.TREND``) and the common problems
    page's top categories and townships of a period (``by="common"``, ``common_problems.selectors``).
    """

    period = models.CharField(_("period"), max_length=10)
    by = models.CharField(_("grouped by"), max_length=10)
    counted_at = models.DateTimeField(_("counted at"))
    # The settings the definitions depend on (which ratings count as satisfied) when it was counted.
    definitions = models.CharField(_("definitions"), max_length=100, blank=True)
    # [[unit_id] or [cadre_id, unit_id], {"<figure>_<part>": count, ...}] per group.
    counts = models.JSONField(_("counts"), default=list)

    class Meta:
        verbose_name = _("rates snapshot")
        verbose_name_plural = _("rates snapshots")
        constraints = [models.UniqueConstraint(fields=["period", "by"], name="one_rates_snapshot_per_period")]

    def __str__(self) -> str:
        return f"{self.period} {self.by} @ {self.counted_at:%Y-%m-%d %H:%M}"
