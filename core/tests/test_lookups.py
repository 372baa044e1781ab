"""``any_of``: the same rows as ``in``, on either database, with one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from enterprises.models import Unit
from workflow.tests.helpers import assigned_case


def unit_ids(query: Q) -> list[int]:
    return list(Unit.objects.filter(query).order_by("pk").values_list("pk", flat=True))


def test_it_finds_the_rows_in_finds_with_one_parameter_for_every_id_on_postgresql(district):
    every = unit_ids(Q())
    chosen = {every[0], every[2], str(every[-1]), 10**12}  # an id as text, as a form gives it; one that is no row

    with CaptureQueriesContext(connection) as queries:
        found = unit_ids(Q(pk__any_of=chosen))

    assert found == unit_ids(Q(pk__in=[every[0], every[2], every[-1]])) == [every[0], every[2], every[-1]]
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries.captured_queries[0]["sql"]


def test_it_matches_nothing_for_no_ids_and_leaves_the_rest_of_an_or_standing(district):
    case = assigned_case(district)

    assert unit_ids(Q(pk__any_of=set())) == []
    assert list(Case.objects.filter(Q(enterprise_id__any_of=[]) | Q(assignee=district.carol))) == [case]
    assert list(Case.objects.filter(enterprise__any_of=[case.enterprise_id])) == [case]


@pytest.mark.parametrize("ids", [[], [1], list(range(1, 3000))])
def test_it_writes_as_many_conditions_as_in_whatever_the_number(district, ids):
    assert Unit.objects.filter(pk__any_of=ids).count() == Unit.objects.filter(pk__in=ids).count()


def test_it_finds_the_rows_a_query_of_ids_names_read_once_as_an_array_on_postgresql(district):
    every = unit_ids(Q())
    units = Unit.objects.order_by()
    chosen = units.filter(pk=every[0]).values("pk").union(units.filter(pk=every[-1]).values("pk"))

    with CaptureQueriesContext(connection) as queries:
        found = unit_ids(Q(pk__any_of=chosen))

    assert found == [every[0], every[-1]]
    assert len(queries) == 1
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(" in queries.captured_queries[0]["sql"]
