"""Celery tasks of accounts: thin wrappers around the e-mails (``accounts.mail``) and the expiry of
invitations (``accounts.services.expiry``), which never import this module; the services queue through it."""

import logging

from celery import shared_task
from django.utils import timezone

from notifications.channels import TransientError

from .mail import invitation_mail_send, invitation_mails_send_due, password_reset_mail_send
from .services.expiry import invitations_expire
from .throttles import password_reset_requests_forget

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def invitation_mail_send_task(invitation_id: int) -> bool:
    """No Celery retry: the invitation row reschedules a transient failure itself, and a task that arrives
    twice finds the e-mail claimed or sent."""
    return invitation_mail_send(invitation_id=invitation_id)


@shared_task(acks_late=True, ignore_result=True)
def invitation_mails_send_due_task() -> int:
    """Every minute: what the broker lost, refused or holds for a retry."""
    return invitation_mails_send_due(now=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def invitations_expire_task() -> int:
    """Hourly: pending invitations past their days, and the reset requests the limit no longer counts."""
    now = timezone.now()
    password_reset_requests_forget(now=now)
    return invitations_expire(now=now)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=3)
def password_reset_mail_send_task(self, user_id: int, language: str) -> bool:
    """A reset e-mail has no outbox row (nothing that would let a reader in is kept): a transient failure
    is retried a few times within the quarter hour, and after that the person asks again."""
    try:
        return password_reset_mail_send(user_id=user_id, language=language)
    except TransientError as error:
        logger.warning("A password-reset e-mail did not go out (%s); retrying", error)
        raise self.retry(exc=error, countdown=60 * (self.request.retries + 1)) from error
