"""Exports that run as background jobs, so that a large ledger never holds a web request for minutes."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired: the file was deleted")


def ledger_export_path(instance: "LedgerExport", filename: str) -> str:
    """A random stored name: the file is reached only through its job, by its requester."""
    return f"ledger-exports/{timezone.now():%Y/%m}/{uuid4().hex}.xlsx"


class LedgerExport(ConcurrentTransitionMixin, models.Model):
    """One request for the problem ledger (问题台账) as .xlsx: the filters, the job's progress and the file.

    The row stays after the file expires, as the record of who exported which cases and when.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="ledger_exports",
        db_index=False,
    )
    filters = models.JSONField(
        _("filters"), default=dict, blank=True, help_text=_("The case list's query parameters, e.g. state and unit.")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    state = FSMField(_("state"), max_length=20, choices=ExportState.choices, default=ExportState.QUEUED, protected=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=ledger_export_path, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), help_text=_("After this the file is deleted."))

    class Meta:
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="ledger_export_requester"),
            # The tidy task reads only jobs that still hold (or may still get) a file.
            models.Index(fields=["expires_at"], condition=~Q(state="expired"), name="ledger_export_expiring"),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by_id} {self.created_at:%Y-%m-%d %H:%M} {self.state}"

    # The system moves every job (the worker and the tidy task, ``exports``); the requester only asks for it.

    @transition(field=state, source=ExportState.QUEUED, target=ExportState.RUNNING)
    def start(self, *, at) -> None:
        """A worker claims the queued job; a second delivery of its task finds it running and leaves it."""
        self.started_at = at

    start.alters_data = True

    @transition(field=state, source=ExportState.RUNNING, target=ExportState.DONE)
    def finish(self, *, row_count: int, at, expires_at) -> None:
        """The workbook is written; its file is kept until ``expires_at``, HUIYIN_LEDGER_RETENTION_DAYS later."""
        self.row_count, self.finished_at, self.expires_at = row_count, at, expires_at

    finish.alters_data = True

    @transition(field=state, source=ExportState.RUNNING, target=ExportState.FAILED)
    def fail(self, *, error: str, at) -> None:
        """Writing failed, or its worker died (still running an hour after it started): the requester asks again."""
        self.error, self.finished_at = error[:2000], at

    fail.alters_data = True

    @transition(
        field=state, source=[ExportState.QUEUED, ExportState.DONE, ExportState.FAILED], target=ExportState.EXPIRED
    )
    def expire(self) -> None:
        """Past ``expires_at`` the file is deleted; the row stays as the record of who exported what."""

    expire.alters_data = True
