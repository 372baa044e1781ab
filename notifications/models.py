"""A message for one person. It knows nothing of cases: it renders what it is given."""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One row per recipient and purpose; ``key`` makes a second attempt to create it harmless.

    The row is also the in-app inbox entry, so the in-app channel needs no delivery row.
    """

    # Indexed by the inbox's index, which leads with it (``Meta.indexes``).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=50)
    # Unique by ``Meta.constraints``: ``unique=True`` would add a second index for LIKE on PostgreSQL, which no
    # query uses, and a sweep writes fifty thousand rows into every index of this table.
    key = models.CharField(_("unique key"), max_length=200)
    about = models.CharField(_("about"), max_length=100, blank=True, help_text=_("What it is about, e.g. case:42."))
    link = models.CharField(_("link"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    visible_from = models.DateTimeField(
        _("visible from"),
        default=timezone.now,
        help_text=_("A reminder held back for working hours stays out of the inbox until then."),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-visible_from", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-visible_from"], name="notification_inbox"),
            # Every page counts the unread badge: with the time in the index it never reads the table.
            models.Index(
                fields=["recipient", "visible_from"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_by_time",
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="notification_key_unique")]

    def __str__(self) -> str:
        return self.subject


class WebhookFormat(models.TextChoices):
    GENERIC = "generic", _("Generic JSON, signed")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class NotificationPreference(models.Model):
    """How one person wants to be told, besides the inbox, which is always on.

    Created on the first change only: until then ``preference_for_user`` answers with the defaults,
    so that sending a notification never has to write a preference row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("e-mail"), default=True)
    webhook_enabled = models.BooleanField(_("webhook"), default=False)
    webhook_url = models.CharField(
        _("webhook address"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"], message=_("Enter an http:// or https:// address."))],
    )
    webhook_format = models.CharField(
        _("webhook format"), max_length=20, choices=WebhookFormat.choices, default=WebhookFormat.GENERIC
    )
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=200,
        blank=True,
        help_text=_("Signs generic webhooks (HMAC-SHA256) and DingTalk robot calls; WeCom robots use none."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class DeliveryChannel(models.TextChoices):
    """Channels that leave the system; the in-app inbox is the notification row itself."""

    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One channel's attempt to get a notification out: the outbox row, claimed before the send."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=20, choices=DeliveryChannel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    queued_at = models.DateTimeField(
        _("queued at"),
        null=True,
        blank=True,
        help_text=_("When a delivery task was last put on the queue; the outbox does not queue it again soon."),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            # The outbox scans only what waits; sent and failed rows, the bulk of the table, stay out of it.
            models.Index(fields=["next_attempt_at"], condition=Q(status=DeliveryStatus.PENDING), name="delivery_due"),
            models.Index(fields=["claimed_at"], condition=Q(status=DeliveryStatus.SENDING), name="delivery_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.notification_id}"
