"""Tokens die with the login they came from: on logout and on a password change; and an account
deactivated by a save (the admin's user form) loses its sessions, token and pending invitations.

These are signal receivers, against the project's habit of explicit service calls, because the
events happen inside Django's own code (logout views of the pages and the admin, the admin's
password and user forms, ``manage.py changepassword``) where no Huiyin service runs. The service
``user_deactivate`` does the same explicitly and does not pass through here.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .services.people import user_access_end
from .services.tokens import token_revoke


@receiver(user_logged_out)
def revoke_token_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        token_revoke(user=user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def notice_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """Compare with the stored row, so every way of setting a password (or making it unusable) counts.

    A hash that Django re-encodes at a login (after an upgrade raises the hasher's work factor) counts
    too, which costs the user one more token login, once.
    """
    instance._password_changed = False
    instance._deactivated = False
    if instance.pk is None:
        return
    fields = set(update_fields) if update_fields is not None else {"password", "is_active"}
    if not fields & {"password", "is_active"}:
        return
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    instance._password_changed = "password" in fields and stored["password"] != instance.password
    instance._deactivated = "is_active" in fields and stored["is_active"] and not instance.is_active


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def end_access_on_password_change_or_deactivation(sender, instance, **kwargs) -> None:
    if getattr(instance, "_deactivated", False):
        instance._deactivated = False
        user_access_end(user=instance)
    if getattr(instance, "_password_changed", False):
        token_revoke(user=instance)
        instance._password_changed = False
