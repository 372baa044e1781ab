"""The forms of the account pages: inviting, choosing a password, changing it, asking for a reset.

They parse and label input; ``accounts.services`` decide. Password fields keep Django's own forms and
their validators' help, so the rules read the same on every page.
"""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.lockout import lockout_ends_at, lockout_message
from enterprises.models import Role, Unit


class InviteContactForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What the person logs in with, e.g. their mobile number. An imported contact keeps theirs."),
    )
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("The link is e-mailed here. Without an address, copy the link and send it by WeChat or SMS."),
    )
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class InviteExistingContactForm(forms.Form):
    """One click for a contact who is on file (e.g. from the master-data import) but cannot log in."""

    username = forms.CharField(widget=forms.HiddenInput, max_length=150)


class InviteOfficialForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(is_active=True))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class EnterpriseSearchForm(forms.Form):
    q = forms.CharField(label=_("Enterprise name or credit code"), max_length=100, required=False)


class ChoosePasswordForm(SetPasswordForm):
    """Accepting an invitation: Django's form that sets a password, labelled for a first one."""

    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password confirmation")
    )


class LockoutAwarePasswordChangeForm(PasswordChangeForm):
    """The old password is checked as a login: a wrong one counts towards the lockout (django-axes), and
    while the account is locked for this address no password is checked at all."""

    def __init__(self, user, *args, request, **kwargs) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        credentials = {"username": self.user.get_username(), "password": old_password}
        if authenticate(self.request, **credentials) is None:
            if getattr(self.request, "axes_locked_out", False):
                ends_at = lockout_ends_at(self.request, {"username": self.user.get_username()})
                raise ValidationError(lockout_message(ends_at), code="locked_out")
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address your account uses. We send a link to choose a new password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
