"""The filter sets every list shares: a request's filter set takes only the filters its query string names."""

import django_filters
from django.http import QueryDict

from cases.models import Case
from core.filters import FilterSet
from workflow.filters import CaseFilter


def test_it_validates_only_the_filters_a_query_string_names():
    """Copying and validating the two dozen others cost more than a page's SQL, for filters that filter nothing."""
    filterset = CaseFilter(QueryDict("state=assigned&search=供电&ordering=-filed_at"), queryset=Case.objects.all())

    assert filterset.is_valid(), filterset.errors
    assert set(filterset.filters) == set(filterset.form.fields) == {"state", "search"}
    assert filterset.form.cleaned_data == {"state": ["assigned"], "search": "供电"}


def test_it_keeps_every_filter_for_the_schema_and_an_unbound_form():
    named = CaseFilter(QueryDict("state=assigned"), queryset=Case.objects.all())

    assert {"state", "search", "filed_after", "urging_level_min"} <= set(CaseFilter.base_filters)
    assert set(CaseFilter(queryset=Case.objects.all()).form.fields) == set(CaseFilter.base_filters)
    assert set(CaseFilter(named.data, queryset=Case.objects.all(), every_filter=True).filters) == set(
        CaseFilter.base_filters
    )


class VersionFilter(FilterSet):
    version = django_filters.NumericRangeFilter()

    class Meta:
        model = Case
        fields: list[str] = []


def test_it_takes_a_filter_its_widget_reads_under_a_suffixed_key():
    """A range reads ``version_min`` and ``version_max``, never ``version`` itself: it is named all the same."""
    filterset = VersionFilter(QueryDict("version_min=2"), queryset=Case.objects.all())

    assert filterset.is_valid(), filterset.errors
    assert filterset.form.cleaned_data["version"] == slice(2, None)


def test_it_takes_a_filter_named_under_the_forms_prefix():
    filterset = CaseFilter(QueryDict("list-state=closed&state=opened"), queryset=Case.objects.all(), prefix="list")

    assert filterset.is_valid(), filterset.errors
    assert filterset.form.cleaned_data == {"state": ["closed"]}
