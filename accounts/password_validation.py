"""Password rules: Django's own, in AUTH_PASSWORD_VALIDATORS."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule, with a message that Chinese readers get in Chinese.

    Django 5.2 asks its catalogue for "... at least %d character(s)." while its Chinese catalogue holds the
    message under the earlier "%(min_length)d" wording, so the refusal would appear in English.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
