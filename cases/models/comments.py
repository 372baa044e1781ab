"""What the enterprise and officials exchange on a case: public replies and internal notes, and files."""

from pathlib import PurePosixPath
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class Comment(models.Model):
    """A public reply between the enterprise and the government, or an internal note of officials."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "visibility", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_visibility_display()}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random stored name keeps user-chosen names out of paths; the original is kept on the row."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"attachments/{timezone.now():%Y/%m}/{uuid4().hex}{suffix}"


class Attachment(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "visibility", "created_at"])]

    def __str__(self) -> str:
        return self.original_name
