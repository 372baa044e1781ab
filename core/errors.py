"""One exception root for every refusal a person can understand; the API maps it to HTTP."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException


class ApplicationError(APIException):
    """A refusal with a message for the person and a code for the program.

    It is a DRF ``APIException`` too: DRF calls a view's permission check and lookup on its own while it
    builds the browsable API's forms or answers OPTIONS, and there it catches only its own exceptions, so
    a refusal of ours would otherwise end as a server error. Pages catch it as usual.
    """

    status_code = 400
    default_code = "invalid"
    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.fields = fields or {}
        super().__init__(detail=self.message, code=self.code)


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
