"""The filters every list shares: the id and moment filters of every filter set, and the API's search and
ordering backends. Their own module: DRF's settings import the backends, so it must not import DRF's views;
and pages and exports use the filter sets too, below the API."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters

from core import limits
from core.limits import MAX_ID


class SearchFilter(filters.SearchFilter):
    """DRF's search, as long as a search box: DRF makes a condition of every word, so a longer query
    is a query too large for the database (a 500), not a search; it is a 400 instead."""

    def get_search_terms(self, request):
        if len(request.query_params.get(self.search_param, "")) > limits.SEARCH:
            message = _("A search has at most %(limit)d characters.") % {"limit": limits.SEARCH}
            raise exceptions.ValidationError({self.search_param: [message]})
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = limits.SEARCH
        return parameters


class OrderingFilter(filters.OrderingFilter):
    """DRF's ordering, documented with the fields each list offers (``-`` before one for descending)."""

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if fields and fields != "__all__":
            for parameter in parameters:
                parameter["schema"]["enum"] = [value for field in fields for value in (field, f"-{field}")]
        return parameters


ID_MESSAGE = gettext_lazy("Enter a valid id: a whole number from 1 to 9223372036854775807.")
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class IdFormField(forms.IntegerField):
    """An id in a query string or a form: a whole number that a row can have, or a 400 that says so."""

    default_error_messages = {"invalid": ID_MESSAGE, "min_value": ID_MESSAGE, "max_value": ID_MESSAGE}

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.Filter):
    """The filter for every id in a query string (``?enterprise=``, ``?unit=``…), instead of NumberFilter.

    NumberFilter reads any decimal, however large, and hands it to the database, where SQLite's
    integers overflow (a 500); this one takes only what an id can be.
    """

    field_class = IdFormField


class UtcDateTimeFormField(django_filters.fields.IsoDateTimeField):
    """A moment in ISO 8601, turned into UTC: whatever offset it was written with never reaches the database.

    PostgreSQL refuses offsets beyond ±15:59 that Python reads ("-16:34", a 500 that also aborts the
    transaction), and a moment near year 1 or 9999 cannot move to UTC at all; that one is a 400.
    """

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or timezone.is_naive(moment):
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """The filter for every moment in a query string (``?filed_after=``…), instead of IsoDateTimeFilter."""

    field_class = UtcDateTimeFormField
