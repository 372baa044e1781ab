"""When each periodic job last ran: a stopped beat or worker shows as an old row, not as silence."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a job ran to its end; one row per job, overwritten every time it runs."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    beat_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name
