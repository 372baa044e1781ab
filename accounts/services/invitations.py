"""Invitations: invite, revoke, accept, and the queueing of the e-mail that carries the link.

Same shape as ``workflow.services``: keyword-only, one transaction, the row re-read under a lock, state
(409) and permission (403) checked on the server, an audit row per transition. Expiry, the lock and the
audit row are in ``expiry``; the e-mail is sent by ``accounts.mail``, through the invitation row as its
own outbox. Rules in docs/accounts.md.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from core.people import user_name
from enterprises.models import Enterprise, EnterpriseContact, Role, Unit, UnitMembership
from notifications.selectors import preference_for_user

from ..links import invitation_link, invitation_token_matches
from ..models import Invitation, InvitationAction, InvitationKind, InvitationState, MailStatus
from ..permissions import is_administrator, may_invite_for_enterprise, may_invite_officials
from ..tasks import invitation_mail_send_task
from .expiry import invitation_event_record, invitation_expire, invitation_locked

logger = logging.getLogger(__name__)

# Columns of Django's user and of the contact row.
NAME_LIMIT = 150
TITLE_LIMIT = 100
PHONE_LIMIT = 30

REFUSED_IN_STATE = {
    InvitationState.ACCEPTED: gettext_lazy("This invitation was already accepted."),
    InvitationState.REVOKED: gettext_lazy("This invitation was revoked."),
    InvitationState.EXPIRED: gettext_lazy("This invitation has expired."),
}


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its link, which is shown to the inviter this once and never stored."""

    invitation: Invitation
    link: str


def invitation_lifetime() -> timedelta:
    return timedelta(days=settings.HUIYIN["INVITATION_DAYS"])


def _refuse(field: str, message: str, code: str = "invalid") -> None:
    raise InvalidInput(message, code=code, fields={field: [message]})


def _checked_line(value: str | None, *, field: str, limit: int, required: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        _refuse(field, required, "required")
    if len(text) > limit:
        _refuse(field, _("At most %(limit)d characters.") % {"limit": limit}, "too_long")
    return text


def _checked_username(value: str | None) -> str:
    username = _checked_line(value, field="username", limit=NAME_LIMIT, required=_("Choose a username."))
    try:
        User.username_validator(username)
    except ValidationError as error:
        _refuse("username", error.messages[0])
    return username


def _checked_email(value: str | None) -> str:
    email = (value or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            _refuse("email", _("Enter a valid e-mail address."))
    return email


def _existing_user_refusal(person: User, *, acting_user: User, enterprise: Enterprise | None) -> None:
    """Invitations are for people who cannot log in yet (no usable password, e.g. from the master-data
    import) or any more (deactivated). A non-administrator may invite only someone who is, or will only be,
    a contact of enterprises they serve: the link is shown to the inviter, who could use it themselves."""
    name = user_name(person)
    if person.is_active and person.has_usable_password():
        raise Conflict(
            _("%(name)s already has an account and can log in. A forgotten password is reset from the login page.")
            % {"name": name},
            code="has_account",
        )
    if is_administrator(acting_user):
        return
    if not person.is_active:
        raise NotPermitted(
            _("The account of %(name)s was deactivated; only an administrator can invite it again.") % {"name": name}
        )
    if person.is_staff or person.is_superuser or UnitMembership.objects.filter(user=person).exists():
        raise NotPermitted(_("%(name)s is an official; only an administrator invites officials.") % {"name": name})
    served_elsewhere = (
        EnterpriseContact.objects.filter(user=person)
        .exclude(enterprise=enterprise)
        .values_list("enterprise_id", flat=True)
    )
    if any(not may_invite_for_enterprise(acting_user, enterprise_id) for enterprise_id in served_elsewhere):
        raise NotPermitted(
            _("%(name)s acts for an enterprise you do not serve; its cadre or an administrator can invite them.")
            % {"name": name}
        )


def _person_to_invite(
    *, acting_user: User, username: str, name: str, email: str, enterprise: Enterprise | None
) -> User:
    """The account the invitation is for, locked: an existing one that may be invited, or a new one without a
    usable password. The e-mail on file stays unless an administrator gives another; a name fills a blank one."""
    person = User.objects.select_for_update().filter(username__iexact=username).first()
    if person is None:
        if not name:
            _refuse("name", _("Give the person's name."), "required")
        person = User(username=username, first_name=name, email=email)
        person.set_unusable_password()
        person.save()
        return person
    _existing_user_refusal(person, acting_user=acting_user, enterprise=enterprise)
    if email and person.email and email.lower() != person.email.lower() and not is_administrator(acting_user):
        _refuse(
            "email",
            _("The invitation goes to the address on file, %(email)s; only an administrator can change it.")
            % {"email": person.email},
        )
    person.email = email or person.email
    if name and not person.get_full_name():
        person.first_name = name
    person.save(update_fields=["email", "first_name"])
    return person


def invitation_create(
    *,
    acting_user: User,
    username: str,
    name: str = "",
    email: str = "",
    enterprise: Enterprise | None = None,
    title: str = "",
    phone: str = "",
    unit: Unit | None = None,
    role: str = "",
) -> IssuedInvitation:
    """Invite a contact of ``enterprise``, or (administrators) an official with ``role`` in ``unit``.

    A new username becomes an account without a usable password; an existing one must be unable to log in.
    What the person becomes is granted now; a pending invitation of theirs is revoked (replaced).
    """
    if enterprise is not None:
        kind = InvitationKind.CONTACT
        if not may_invite_for_enterprise(acting_user, enterprise.pk):
            raise NotPermitted(_("You can invite contacts only for the enterprises you serve."))
        if not enterprise.is_active:
            _refuse("enterprise", _("This enterprise is no longer active."))
    else:
        kind = InvitationKind.OFFICIAL
        if not may_invite_officials(acting_user):
            raise NotPermitted(_("Only an administrator invites officials."))
        if unit is None or not unit.is_active:
            _refuse("unit", _("Choose an active unit."), "required")
        if role not in Role.values:
            _refuse("role", _("Choose a role."), "required")
    username = _checked_username(username)
    name = _checked_line(name, field="name", limit=NAME_LIMIT)
    email = _checked_email(email)
    title = _checked_line(title, field="title", limit=TITLE_LIMIT)
    phone = _checked_line(phone, field="phone", limit=PHONE_LIMIT)

    try:
        with transaction.atomic():
            now = timezone.now()
            person = _person_to_invite(
                acting_user=acting_user, username=username, name=name, email=email, enterprise=enterprise
            )
            if kind == InvitationKind.CONTACT:
                contact, _created = EnterpriseContact.objects.get_or_create(user=person, enterprise=enterprise)
                if title or phone:
                    contact.title, contact.phone = title or contact.title, phone or contact.phone
                    contact.save(update_fields=["title", "phone"])
            else:
                UnitMembership.objects.get_or_create(user=person, unit=unit, role=role)
            for previous in Invitation.objects.select_for_update().filter(user=person, state=InvitationState.PENDING):
                previous.revoke(at=now)
                previous.save()
                invitation_event_record(
                    invitation=previous, action=InvitationAction.REVOKED, actor=acting_user, at=now, reason="replaced"
                )
            invitation = Invitation.objects.create(
                user=person,
                kind=kind,
                enterprise=enterprise,
                unit=unit if kind == InvitationKind.OFFICIAL else None,
                role=role if kind == InvitationKind.OFFICIAL else "",
                email=person.email,
                language=preference_for_user(person).language,
                invited_by=acting_user,
                created_at=now,
                expires_at=now + invitation_lifetime(),
                mail_status=MailStatus.PENDING if person.email else MailStatus.NONE,
                mail_due_at=now if person.email else None,
            )
            invitation_event_record(invitation=invitation, action=InvitationAction.INVITED, actor=acting_user, at=now)
            if person.email:
                transaction.on_commit(lambda: _invitation_mail_enqueue(invitation.pk))
    except IntegrityError:
        # Someone invited the same new username, or the same person, in the same moment.
        raise Conflict(
            _("This person was invited by someone else at the same moment. Look at the invitations and try again."),
            code="concurrent_invitation",
        ) from None
    return IssuedInvitation(invitation=invitation, link=invitation_link(invitation))


def _ensure_may_revoke(invitation: Invitation, acting_user: User) -> None:
    if not can_proceed(invitation.revoke):
        raise Conflict(REFUSED_IN_STATE[invitation.state], code="invalid_state")
    if not has_transition_perm(invitation.revoke, acting_user):
        raise NotPermitted(_("Only the inviter, whoever serves the enterprise, or an administrator can revoke it."))


def invitation_revoke(*, invitation: Invitation, acting_user: User, reason: str = "withdrawn") -> Invitation:
    """Withdraw a pending invitation: its link stops working at once."""
    invitation_expire(invitation_id=invitation.pk)
    with transaction.atomic():
        current = invitation_locked(invitation_id=invitation.pk)
        _ensure_may_revoke(current, acting_user)
        now = timezone.now()
        current.revoke(at=now)
        current.save()
        invitation_event_record(
            invitation=current, action=InvitationAction.REVOKED, actor=acting_user, at=now, reason=reason
        )
    return current


def invitation_by_link(*, invitation_id: int, token: str) -> Invitation:
    """The invitation a link names, whatever its state, if the token is its own; otherwise NotFound, which
    says nothing of whether such an invitation exists. A pending one past its time is expired on the spot."""
    invitation = (
        Invitation.objects.select_related("user", "enterprise", "unit", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation_token_matches(invitation, token):
        raise NotFound(_("This invitation link is not valid."), code="invalid_link")
    if invitation.state == InvitationState.PENDING and invitation.has_expired():
        invitation_expire(invitation_id=invitation.pk)
        invitation.refresh_from_db()
    return invitation


def invitation_accept(*, invitation_id: int, token: str, password: str) -> User:
    """The invited person sets their password (Django's validators apply) and their account is active;
    the link is used up. Returns the user, for the page to log them in."""
    invitation = invitation_by_link(invitation_id=invitation_id, token=token)
    if invitation.state != InvitationState.PENDING:
        raise Conflict(REFUSED_IN_STATE[invitation.state], code=f"invitation_{invitation.state}")
    try:
        password_validation.validate_password(password, invitation.user)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], code="password", fields={"password": error.messages}) from None
    with transaction.atomic():
        current = invitation_locked(invitation_id=invitation.pk)
        if current.state != InvitationState.PENDING or not invitation_token_matches(current, token):
            raise Conflict(_("This invitation is no longer valid."), code="invalid_state")
        now = timezone.now()
        current.accept(at=now)
        current.save()
        person = current.user
        person.set_password(password)
        person.is_active = True
        person.save(update_fields=["password", "is_active"])
        invitation_event_record(invitation=current, action=InvitationAction.ACCEPTED, actor=person, at=now)
    return person


def _invitation_mail_enqueue(invitation_id: int) -> None:
    """Queue the send; a broker that is down must not undo the invitation: the minute's sweep sends it."""
    try:
        invitation_mail_send_task.delay(invitation_id)
    except Exception as error:
        logger.warning("Could not queue the e-mail of invitation %s (%s); the sweep will send it", invitation_id, error)
