"""One exception root for every refusal a person can understand; the API maps it to HTTP."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400
    default_code = "invalid"
    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(ApplicationError):
    status_code = 400
    default_code = "invalid"
    default_message = _("Some of the information given is not valid.")


class NotPermitted(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"
    default_message = _("This cannot be done in the case's current state.")
