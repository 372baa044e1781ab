"""The filters every list shares: the id and moment filters of every filter set, and the API's search and
ordering backends. Their own module: DRF's settings import the backends, so it must not import DRF's views;
and pages and exports use the filter sets too, below the API."""

from collections import OrderedDict
from datetime import UTC
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters

from core import limits
from core.limits import MAX_ID


class FilterSet(django_filters.FilterSet):
    """A filter set that, bound to a query string, takes only the filters it names.

    django-filter deep-copies every filter of the class for each filter set it makes, and builds a form field
    for each: for the case list's two dozen filters, twice the time of the two or three a request names, for
    filters that would validate and filter nothing. The class keeps them all (the OpenAPI schema reads its
    ``base_filters``), and so does the browsable API's form (``every_filter``).
    """

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        queryset: QuerySet | None = None,
        *,
        request: HttpRequest | None = None,
        prefix: str | None = None,
        every_filter: bool = False,
    ) -> None:
        if data is not None and not every_filter:
            # An instance attribute: django-filter copies ``self.base_filters``; the class's stay whole.
            self.base_filters = OrderedDict(
                (name, filter_) for name, filter_ in self.base_filters.items() if _named(data, name, prefix)
            )
        super().__init__(data, queryset, request=request, prefix=prefix)


def _named(data: QueryDict | dict[str, Any], name: str, prefix: str | None) -> bool:
    """Whether the query string gives the filter ``name`` a value: its own key, or one of the keys its widget
    reads with a suffix (a range's ``name_min``, a multi-widget's ``name_0``). Taking a filter too many costs
    a copy; missing one would ignore it."""
    key = f"{prefix}-{name}" if prefix else name
    return any(given == key or given.startswith(f"{key}_") for given in data)


class DjangoFilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter's backend, whose browsable API form offers every filter of a ``FilterSet`` above, not only
    those the request named."""

    def to_html(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if issubclass(filterset_class, FilterSet):
            kwargs["every_filter"] = True
        return loader.get_template(self.template).render({"filter": filterset_class(**kwargs)}, request)


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
