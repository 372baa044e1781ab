"""People's access: ending all of a person's sessions, deactivating an account, changing a password, and
asking for a password-reset e-mail. Rules in docs/accounts.md."""

import logging
from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, NotPermitted

from ..mail import password_reset_mail_send
from ..models import Invitation, InvitationAction, InvitationState, RevokeReason, UserSession
from ..permissions import is_administrator
from ..tasks import password_reset_mail_send_task
from .expiry import invitation_event_record
from .tokens import token_revoke

logger = logging.getLogger(__name__)


def user_sessions_end(*, user_ids: Iterable[int]) -> int:
    """Delete every session of these people: their next page request is a login page. One indexed delete."""
    deleted, _by_model = UserSession.objects.filter(user_id__in=list(user_ids)).delete()
    return deleted


def user_access_end(*, user: User, acting_user: User | None = None) -> None:
    """What a deactivated account still held: its sessions and API token end at once, and its pending
    invitations die, the ones it was sent (accepting would activate it again) and the ones it sent (their
    links were shown to it)."""
    user_sessions_end(user_ids=[user.pk])
    token_revoke(user=user)
    now = timezone.now()
    pending = Invitation.objects.select_for_update().filter(state=InvitationState.PENDING)
    with transaction.atomic():
        for invitation in pending.filter(user=user) | pending.filter(invited_by=user):
            invitation.revoke(at=now)
            invitation.save()
            reason = (
                RevokeReason.ACCOUNT_DEACTIVATED if invitation.user_id == user.pk else RevokeReason.INVITER_DEACTIVATED
            )
            invitation_event_record(
                invitation=invitation, action=InvitationAction.REVOKED, actor=acting_user, at=now, reason=reason
            )


def user_deactivate(*, user: User, acting_user: User) -> User:
    """An administrator closes an account: it can no longer log in, and whatever it had open ends now.

    The account, its roles and its history stay; a new invitation (from an administrator) opens it again.
    """
    if not is_administrator(acting_user):
        raise NotPermitted(_("Only an administrator can deactivate an account."))
    if user.pk == acting_user.pk:
        raise Conflict(_("You cannot deactivate your own account."), code="own_account")
    with transaction.atomic():
        # An UPDATE, not save(): the receiver that ends the access of accounts deactivated in the admin's
        # user form would do it a second time.
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_access_end(user=user, acting_user=acting_user)
    return user


def password_change(*, user: User, new_password: str) -> None:
    """Set a new password, checked by Django's validators. The old one was checked by whoever asks (as a
    login, counted by the lockout). The API token dies with it (``accounts.receivers``), and every other
    session with it (Django checks a session against the password hash)."""
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], code="password", fields={"new_password": error.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])


def _reset_recipients(email: str) -> list[User]:
    """Active people with a usable password and this address, as Django's own reset form finds them.

    People without a usable password (the master-data import) get an invitation, not a reset.
    """
    people = User.objects.filter(email__iexact=email, is_active=True)
    return [person for person in people if person.has_usable_password()]


def password_reset_request(*, email: str, language: str) -> None:
    """Queue a reset e-mail to every account using ``email``, after commit; nothing says whether there is one.

    The limit per address and per client is checked before (``accounts.throttles``). The e-mail is sent by a
    task, so the answer takes as long whether or not the address is known; a broker that is down makes the
    request send it itself.
    """
    for person in _reset_recipients(email.strip()):

        def queue(user_id: int = person.pk) -> None:
            try:
                password_reset_mail_send_task.delay(user_id, language)
            except Exception as error:
                logger.warning("Could not queue a password-reset e-mail (%s); sending it now", error)
                try:
                    password_reset_mail_send(user_id=user_id, language=language)
                except Exception:
                    # The answer must not differ from that for an unknown address; the person asks again.
                    logger.exception("A password-reset e-mail could not be sent")

        transaction.on_commit(queue)
