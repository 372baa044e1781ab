"""People getting in: invitations with their audit trail, sessions that know their user, and the log the
password-reset limit counts. Rules in docs/accounts.md."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from enterprises.models import Role

from . import permissions
from .sessions import SessionStore

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class InvitationKind(models.TextChoices):
    CONTACT = "contact", _("Enterprise contact")
    OFFICIAL = "official", _("Official")


class InvitationState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation", "Revoked")
    EXPIRED = "expired", pgettext_lazy("invitation", "Expired")


class MailStatus(models.TextChoices):
    """The invitation's e-mail, for which the invitation row is its own outbox (docs/accounts.md)."""

    NONE = "none", _("No e-mail address: the link is passed on by other means")
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")
    CANCELLED = "cancelled", _("Not sent: the invitation ended first")


class Invitation(ConcurrentTransitionMixin, models.Model):
    """A one-time link that lets a person set their password and log in, for a number of days.

    What the person becomes (a contact of an enterprise, or an official with a role in a unit) is granted
    when they are invited, as the master-data import does; the link only gives them a password. The link's
    token is never stored: it is an HMAC of this row and the person's password hash (``accounts.links``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited person"), on_delete=models.CASCADE, related_name="invitations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InvitationKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        db_index=False,
    )
    unit = models.ForeignKey(
        "enterprises.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    email = models.EmailField(_("sent to"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    state = FSMField(
        _("state"), max_length=20, choices=InvitationState.choices, default=InvitationState.PENDING, protected=True
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    expires_at = models.DateTimeField(pgettext_lazy("invitation", "expires at"))
    accepted_at = models.DateTimeField(pgettext_lazy("invitation", "accepted at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("revoked or expired at"), null=True, blank=True)
    mail_status = models.CharField(_("e-mail"), max_length=20, choices=MailStatus.choices, default=MailStatus.NONE)
    mail_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    mail_due_at = models.DateTimeField(_("next e-mail attempt at"), null=True, blank=True)
    mail_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True)
    mail_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    mail_error = models.TextField(_("e-mail error"), blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A new invitation revokes the person's pending one; this keeps it so under any race.
            models.UniqueConstraint(fields=["user"], condition=Q(state="pending"), name="one_pending_invitation"),
            models.CheckConstraint(
                condition=Q(kind="contact", enterprise__isnull=False)
                | Q(kind="official", unit__isnull=False, role__gt=""),
                name="invitation_grants_something",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(accepted_at__isnull=False), name="invitation_accepted_at"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["revoked", "expired"]) | Q(ended_at__isnull=False), name="invitation_ended_at"
            ),
        ]
        indexes = [
            models.Index(fields=["invited_by", "-created_at"], name="invitation_by_inviter"),
            models.Index(fields=["enterprise", "state"], name="invitation_enterprise_state"),
            # The two sweeps: pending invitations past their time, e-mails whose attempt is due.
            models.Index(fields=["expires_at"], condition=Q(state="pending"), name="invitation_pending_expiry"),
            models.Index(fields=["mail_due_at"], condition=Q(mail_status="pending"), name="invitation_mail_due"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_state_display()}"

    def has_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def current_state(self) -> str:
        """The state as a person should read it: a pending invitation past its time is expired, even in the
        hour before the sweep records it."""
        if self.state == InvitationState.PENDING and self.has_expired():
            return InvitationState.EXPIRED
        return self.state

    def get_current_state_display(self) -> "StrOrPromise":
        return InvitationState(self.current_state).label

    def mail_stops(self) -> None:
        """An e-mail still waiting is never sent for an invitation that has ended."""
        if self.mail_status == MailStatus.PENDING:
            self.mail_status = MailStatus.CANCELLED
            self.mail_due_at = None

    @transition(field=state, source=InvitationState.PENDING, target=InvitationState.ACCEPTED)
    def accept(self, *, at) -> None:
        """The person set their password with the link, in time; the link is used up."""
        self.accepted_at = at
        self.mail_stops()

    accept.alters_data = True

    @transition(
        field=state,
        source=InvitationState.PENDING,
        target=InvitationState.REVOKED,
        permission=permissions.may_revoke_invitation,
    )
    def revoke(self, *, at) -> None:
        """Whoever may invite the person now withdraws the link (or replaces it with a new invitation);
        so does an administrator, and the deactivation of the inviter or the invited person."""
        self.ended_at = at
        self.mail_stops()

    revoke.alters_data = True

    @transition(field=state, source=InvitationState.PENDING, target=InvitationState.EXPIRED)
    def expire(self, *, at) -> None:
        """The days the link was valid for are over (HUIYIN_INVITATION_DAYS); a new invitation is needed."""
        self.ended_at = at
        self.mail_stops()

    expire.alters_data = True


class InvitationAction(models.TextChoices):
    INVITED = "invited", pgettext_lazy("invitation", "Invited")
    ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation", "Revoked")
    EXPIRED = "expired", pgettext_lazy("invitation", "Expired")


class RevokeReason(models.TextChoices):
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REPLACED = "replaced", _("Replaced by a new invitation")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("The account was deactivated")
    INVITER_DEACTIVATED = "inviter_deactivated", _("The inviter's account was deactivated")


class InvitationEvent(models.Model):
    """The audit trail: one row when a person is invited and one per transition, never changed."""

    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=InvitationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system did it (an expiry)."),
    )
    reason = models.CharField(_("reason"), max_length=30, choices=RevokeReason.choices, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation event")
        verbose_name_plural = _("invitation events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.get_action_display()}"


class UserSession(AbstractBaseSession):
    """Django's database session with the user's id in a column of its own, written on every save.

    Django keeps the user id inside the encoded session data, which no query can read; this column lets a
    deactivation delete a person's sessions in one indexed statement (``accounts.sessions``).
    """

    user_id = models.IntegerField(_("user id"), null=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type[SessionStore]:
        return SessionStore


class PasswordResetRequest(models.Model):
    """One accepted request for a password-reset e-mail, counted by the limits per address and per client.

    It is written for every request, whether or not an account uses the address, so the limit tells nothing;
    the address is kept only as a keyed hash. Rows older than a day are deleted hourly.
    """

    address_digest = models.CharField(_("address digest"), max_length=64)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        indexes = [
            models.Index(fields=["address_digest", "requested_at"], name="reset_request_address"),
            models.Index(fields=["client_ip", "requested_at"], name="reset_request_client"),
            models.Index(fields=["requested_at"], name="reset_request_at"),
        ]

    def __str__(self) -> str:
        return f"{self.client_ip} {self.requested_at:%Y-%m-%d %H:%M}"
