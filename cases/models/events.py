"""The append-only event log of a case: one row per action, never changed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..states import CaseState
from .case import Case


class EventAction(models.TextChoices):
    FILE = "file", _("Filed")
    ASSIGN = "assign", _("Assigned")
    ACCEPT = "accept", _("Signed for")
    SEND_BACK = "send-back", _("Sent back")
    REASSIGN = "reassign", _("Reassigned")
    RESOLVE = "resolve", _("Resolved")
    REOPEN = "reopen", _("Reopened")
    CLOSE = "close", _("Closed")
    WITHDRAW = "withdraw", _("Withdrawn")
    COMMENT = "comment", _("Commented")
    ATTACH = "attach", _("Attached a file")
    EXTENSION_REQUEST = "extension-request", _("Asked for more time")
    EXTENSION_DECISION = "extension-decision", _("Decided on more time")
    URGE = "urge", _("Urging level changed")
    RECTIFICATION = "rectification", _("Rectification after a bad rating")
    APPEAL = "appeal", _("Appealed the rating")
    APPEAL_DECISION = "appeal-decision", _("Decided on the appeal")
    RECHECK = "recheck", _("Re-checked")
    RECHECK_REOPEN = "recheck-reopen", _("Reopened after a re-check")
    MEETING_FLAG = "meeting-flag", _("Flagged for the joint review meeting")
    MEETING_UNFLAG = "meeting-unflag", _("Flag for the joint review meeting withdrawn")
    MEETING_AGENDA = "meeting-agenda", _("Put on the agenda of a joint review meeting")
    MEETING_DEFERRED = "meeting-deferred", _("Deferred to the next joint review meeting")
    MEETING_DECISION = "meeting-decision", _("Decided by the joint review meeting")
    JOINT_REVIEW = "joint-review", _("Taken up by the joint review meeting")
    PAUSE = "pause", _("Clock paused (挂起)")
    PAUSE_REQUEST = "pause-request", _("Asked to pause the clock beyond the limits")
    PAUSE_DECISION = "pause-decision", _("Decided on pausing the clock")
    RESUME = "resume", _("Pause ended")
    MERGE = "merge", _("Merged into another case")
    MERGE_IN = "merge-in", _("Took in a duplicate case")
    COMMON_PROBLEM = "common-problem", _("Linked to a common problem")
    COMMON_PROBLEM_UNLINK = "common-unlinked", _("Unlinked from a common problem")


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of the event log."""


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Case events are append-only.")

    def delete(self):
        raise AppendOnlyError("Case events are append-only.")


class CaseEvent(models.Model):
    """One row per action on a case, written in the same transaction as the action; never changed."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for actions of the system itself, such as automatic routing."),
    )
    action = models.CharField(_("action"), max_length=20, choices=EventAction.choices)
    from_state = models.CharField(_("from state"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, choices=CaseState.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_internal = models.BooleanField(
        _("internal"), default=False, help_text=_("Internal events are never shown to enterprise users.")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Case events are append-only.")
