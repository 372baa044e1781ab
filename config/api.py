"""API plumbing shared by every app: pagination and one error format.

Every error body is ``{"code": ..., "message": ..., "fields": {...}}`` with the
message in the request's language, so a client can show it to a person as is.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError
from config.parsers import JSON_TOO_DEEP, MAX_JSON_DEPTH


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


def first_message(detail) -> str:
    """The first human-readable message inside DRF's nested error details."""
    if isinstance(detail, dict):
        for value in detail.values():
            return first_message(value)
        return ""
    if isinstance(detail, list):
        return first_message(detail[0]) if detail else ""
    return force_str(detail)


def error_response(*, status_code: int, code: str, message: str, fields: dict | None = None, headers=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response(body, status=status_code, headers=headers)


def not_found(request, exception=None):
    """API clients get the JSON error body for an unknown address too; pages keep Django's page."""
    if request.path.startswith("/api/"):
        body = {"code": "not_found", "message": force_str(exceptions.NotFound.default_detail)}
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    return page_not_found(request, exception)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return error_response(
            status_code=exc.status_code, code=exc.code, message=force_str(exc.message), fields=exc.fields
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exceptions.as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = _("Please correct the highlighted fields: %(detail)s") % {"detail": first_message(fields)}
        return error_response(status_code=status.HTTP_400_BAD_REQUEST, code="invalid", message=message, fields=fields)
    if isinstance(exc, exceptions.ParseError):
        if exc.get_codes() == JSON_TOO_DEEP:
            message = _("The JSON body nests more than %(depth)d levels deep; no request needs that many.") % {
                "depth": MAX_JSON_DEPTH
            }
        else:
            message = _("The request body could not be read. Send valid JSON (or a form) and try again.")
        return error_response(status_code=400, code="parse_error", message=message)
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        return error_response(
            status_code=response.status_code,
            code=code,
            message=first_message(exc.detail),
            headers={
                key: value for key, value in response.items() if key in ("WWW-Authenticate", "Retry-After", "Allow")
            },
        )
    return response
