"""Tokens die with the login they came from: on logout and on a password change.

These are signal receivers, against the project's habit of explicit service calls, because the
events happen inside Django's own code (logout views of the pages and the admin, the admin's
password forms, ``manage.py changepassword``) where no Huiyin service runs.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .services import token_revoke


@receiver(user_logged_out)
def revoke_token_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        token_revoke(user=user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def notice_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """Compare with the stored hash, so every way of setting a password (or making it unusable) counts.

    A hash that Django re-encodes at a login (after an upgrade raises the hasher's work factor) counts
    too, which costs the user one more token login, once.
    """
    instance._password_changed = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def revoke_token_on_password_change(sender, instance, **kwargs) -> None:
    if getattr(instance, "_password_changed", False):
        token_revoke(user=instance)
        instance._password_changed = False
