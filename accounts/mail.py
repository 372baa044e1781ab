"""The e-mails of accounts (an invitation, a password reset): rendered from templates in the person's
language, and sent. They are not notifications: they carry a link that lets someone in, so no copy of them
is kept.

The invitation row is its own outbox: its e-mail is claimed with a conditional UPDATE, sent outside any
transaction with the link computed at that moment, and transient errors are retried like notifications'
deliveries. The tasks (``accounts.tasks``) call this module; it queues nothing, so it never imports them.
Rules in docs/accounts.md.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.channels import PermanentError, absolute_link, email_send
from notifications.delivery import BACKOFF, max_attempts, sending_timeout

from .links import invitation_link
from .models import Invitation, InvitationState, MailStatus

logger = logging.getLogger(__name__)


def beijing_time(moment: datetime) -> str:
    """As mails name a time: Asia/Shanghai (the site's zone), to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def account_mail(*, template: str, to: str, language: str, context: dict) -> EmailMessage:
    with translation.override(language):
        subject = render_to_string(f"accounts/mail/{template}_subject.txt", context)
        body = render_to_string(f"accounts/mail/{template}_body.txt", context)
    # A header cannot hold a line break, and a template's output may.
    return EmailMessage(subject=" ".join(subject.split()), body=body.strip() + "\n", to=[to])


# --- the invitation's e-mail --------------------------------------------------------------------------------


def _invitation_mail_claim(*, invitation_id: int, now: datetime) -> bool:
    return bool(
        Invitation.objects.filter(
            pk=invitation_id, state=InvitationState.PENDING, mail_status=MailStatus.PENDING, mail_due_at__lte=now
        ).update(mail_status=MailStatus.SENDING, mail_claimed_at=now, mail_attempts=F("mail_attempts") + 1)
    )


def _invitation_mail_record(invitation: Invitation, claimed_at: datetime, **changes: object) -> None:
    """Write the outcome, unless the claim was taken back meanwhile (this worker was presumed dead)."""
    recorded = Invitation.objects.filter(
        pk=invitation.pk, mail_status=MailStatus.SENDING, mail_claimed_at=claimed_at
    ).update(**changes)
    if not recorded:
        logger.warning("The e-mail of invitation %s was reclaimed while this worker sent it", invitation.pk)


def invitation_mail_send(*, invitation_id: int) -> bool:
    """Claim the e-mail of a pending invitation, send it with the link computed now, record the outcome.

    Call it outside any transaction, as ``notifications.delivery.delivery_send``. Returns whether it sent.
    """
    claimed_at = timezone.now()
    if not _invitation_mail_claim(invitation_id=invitation_id, now=claimed_at):
        return False
    invitation = Invitation.objects.select_related("user", "enterprise", "unit", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "person": invitation.user,
        "inviter": invitation.invited_by,
        "link": invitation_link(invitation),
        "expires": beijing_time(invitation.expires_at),
    }
    message = account_mail(template="invitation", to=invitation.email, language=invitation.language, context=context)
    # The recorded error is read by administrators, in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            email_send(message)
        except PermanentError as error:
            _invitation_mail_record(invitation, claimed_at, mail_status=MailStatus.FAILED, mail_error=str(error))
            logger.warning("The e-mail of invitation %s failed for good: %s", invitation_id, error)
            return False
        except Exception as error:
            # Transient errors, and bugs too: retried a bounded number of times, then recorded as failed.
            text = str(error) or type(error).__name__
            if invitation.mail_attempts >= max_attempts():
                _invitation_mail_record(invitation, claimed_at, mail_status=MailStatus.FAILED, mail_error=text)
            else:
                retry_at = timezone.now() + BACKOFF[min(invitation.mail_attempts, len(BACKOFF)) - 1]
                _invitation_mail_record(
                    invitation, claimed_at, mail_status=MailStatus.PENDING, mail_due_at=retry_at, mail_error=text
                )
            logger.warning("The e-mail of invitation %s did not go out: %s", invitation_id, text)
            return False
    _invitation_mail_record(
        invitation, claimed_at, mail_status=MailStatus.SENT, mail_sent_at=timezone.now(), mail_error=""
    )
    return True


def invitation_mails_send_due(*, now: datetime, limit: int = 100) -> int:
    """The minute's sweep: take back e-mails a dead worker held, send those whose attempt is due.

    Invitations are few (people joining), so the sweep sends them itself instead of queueing a task each.
    """
    Invitation.objects.filter(mail_status=MailStatus.SENDING, mail_claimed_at__lt=now - sending_timeout()).update(
        mail_status=MailStatus.PENDING, mail_due_at=now
    )
    due = Invitation.objects.filter(
        state=InvitationState.PENDING, mail_status=MailStatus.PENDING, mail_due_at__lte=now
    ).order_by("mail_due_at", "pk")
    return sum(invitation_mail_send(invitation_id=pk) for pk in due.values_list("pk", flat=True)[:limit])


# --- the password reset's e-mail ----------------------------------------------------------------------------


def password_reset_mail_send(*, user_id: int, language: str) -> bool:
    """Send the reset link, made now with Django's token generator: it works once (setting the password
    changes the hash it is made from) and for PASSWORD_RESET_TIMEOUT. Transient errors are the caller's to
    retry (``notifications.channels.TransientError``)."""
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if person is None or not person.email or not person.has_usable_password():
        return False
    path = reverse(
        "web:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    expires = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    context = {"person": person, "link": absolute_link(path), "expires": beijing_time(expires)}
    email_send(account_mail(template="password_reset", to=person.email, language=language, context=context))
    return True
