"""The API's filter backends. Their own module: DRF's settings import them, so they must not import DRF's views."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, filters

from core import limits


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
