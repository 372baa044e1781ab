"""The paginators that spare a list its COUNT query. The meetings and circulars lists and a search: a list that
fits on its first page is read without being counted; any other page, or a longer list, reads as Django's
paginator reads it. The queue and the overdue list: every page's rows carry the total. A list read in disjoint
parts (a unit head's): every page as the whole list ordered would show it, in a constant number of queries."""

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db.models import F, QuerySet

from core.pagination import Consecutive, OrderedUnion, ShortListPaginator, TotalInPagePaginator, with_total
from enterprises.models import Unit, UnitKind


def units():
    return Unit.objects.order_by("pk")


@pytest.mark.parametrize("number", [None, "", "1"])
def test_it_reads_a_list_that_fits_on_its_first_page_in_one_query(district, django_assert_num_queries, number):
    every_unit = list(units())
    with django_assert_num_queries(1):
        page = ShortListPaginator(units(), 20).get_page(number)
        shown = (list(page), page.paginator.count, page.has_other_pages())
    assert shown == (every_unit, len(every_unit), False)


def test_it_counts_a_list_longer_than_its_first_page_once_it_shows_there_is_more(district, django_assert_num_queries):
    first_four = list(units()[:4])
    with django_assert_num_queries(2):
        page = ShortListPaginator(units(), 4).get_page(None)
        shown = (list(page), page.paginator.num_pages, page.has_next())
    assert shown == (first_four, 3, True)


@pytest.mark.parametrize("number", ["2", "3", "99", "not a number", None])
def test_it_shows_the_same_page_as_djangos_paginator(district, number):
    ours, django = ShortListPaginator(units(), 4).get_page(number), Paginator(units(), 4).get_page(number)
    assert (list(ours), ours.number, ours.paginator.count) == (list(django), django.number, django.paginator.count)


def test_it_serves_the_apis_first_page_of_a_short_list_in_one_query(district, django_assert_num_queries):
    every_unit = list(units())
    with django_assert_num_queries(1):
        page = ShortListPaginator(units(), 100).page(1)
        shown = (list(page), page.paginator.count)
    assert shown == (every_unit, len(every_unit))


def counted_units():
    return with_total(units(), matches=Unit.objects.all())


@pytest.mark.parametrize("number", [None, "1", "2", "3"])
def test_it_reads_a_page_and_the_lists_total_in_one_query(district, django_assert_num_queries, number):
    django = Paginator(units(), 4).get_page(number)
    with django_assert_num_queries(1):
        page = TotalInPagePaginator(counted_units(), 4).get_page(number)
        shown = (list(page), page.number, page.paginator.count, page.paginator.num_pages)
    assert shown == (list(django), django.number, django.paginator.count, django.paginator.num_pages)


@pytest.mark.parametrize("number", ["99", "not a number", "0", "-1"])
def test_it_shows_the_page_djangos_paginator_shows_for_a_page_that_is_not_there(district, number):
    ours, django = TotalInPagePaginator(counted_units(), 4).get_page(number), Paginator(units(), 4).get_page(number)
    assert (list(ours), ours.number, ours.paginator.count) == (list(django), django.number, django.paginator.count)


def test_it_refuses_the_api_a_page_past_the_last_as_djangos_paginator_does(district):
    with pytest.raises(EmptyPage):
        TotalInPagePaginator(counted_units(), 4).page(99)


# Names descending, the ties by id: an order with an expression and a column, as the case lists have.
UNIT_ORDER = [F("name").desc(nulls_last=True), "id"]


def unit_parts(count: int) -> list:
    """The district's units whole, or in two disjoint parts: the tops and the units below them."""
    if count == 1:
        return [Unit.objects.all()]
    return [Unit.objects.filter(parent__isnull=True), Unit.objects.filter(parent__isnull=False)]


@pytest.mark.parametrize("parts", [1, 2])
def test_it_reads_every_page_of_a_list_in_parts_as_the_whole_list_ordered(district, parts):
    expected = list(Unit.objects.order_by(*UNIT_ORDER))
    rows = OrderedUnion(unit_parts(parts), UNIT_ORDER)
    pages = [rows[start : start + 3] for start in range(0, len(expected) + 3, 3)]
    assert len(expected) > 6 and [unit for page in pages for unit in page] == expected and pages[-1] == []


@pytest.mark.parametrize(("parts", "queries"), [(1, 1), (2, 2)])
def test_it_reads_a_page_past_the_first_in_a_query_or_two_however_deep(
    district, django_assert_num_queries, parts, queries
):
    """Past the first page, the page's ids are picked first from the ordering's columns (of parts, in a query of
    their own) and only its rows are read whole: the rows before it are never joined or read."""
    rows = OrderedUnion(unit_parts(parts), UNIT_ORDER)
    with django_assert_num_queries(1):
        rows[0:3]
    for start in (3, 6):
        with django_assert_num_queries(queries):
            rows[start : start + 3]


# Units below another first (by their parent), the tops last, newest first among equals: an order led by a column
# that can be null, as the case list by a deadline. And by kind: led by a column of a few values, as by state.
BY_PARENT = [F("parent").asc(nulls_last=True), "-id"]
BY_KIND = [F("kind").asc(), "-id"]


def in_pieces(order: list, units: QuerySet | None = None) -> Consecutive:
    """The units (all of them unless given) in consecutive pieces by the order's leading column, each read in the
    rest of the order."""
    units = Unit.objects.all() if units is None else units
    if order is BY_PARENT:
        return Consecutive(
            units.filter(parent__isnull=False).order_by(*order), units.filter(parent=None).order_by("-id")
        )
    # Every kind, those no unit is of too: an empty piece between others.
    return Consecutive(*(units.filter(kind=kind).order_by("-id") for kind in sorted(UnitKind.values)))


@pytest.mark.parametrize("order", [BY_PARENT, BY_KIND], ids=["by parent", "by kind"])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_it_reads_every_page_of_a_list_in_consecutive_pieces_as_the_whole_list_ordered(district, order, size):
    """Pages that end inside a piece, at its end and past it: a piece is read only when those before it are short
    of the page's end, never skipped when the page needs it."""
    expected = list(Unit.objects.order_by(*order))
    rows = OrderedUnion([in_pieces(order)], order)
    pages = [rows[start : start + size] for start in range(0, len(expected) + size, size)]
    assert len(in_pieces(order).pieces) >= 2 and len(expected) > 6
    assert [unit for page in pages for unit in page] == expected and pages[-1] == []


@pytest.mark.parametrize("order", [BY_PARENT, BY_KIND], ids=["by parent", "by kind"])
def test_it_merges_a_part_in_consecutive_pieces_with_other_parts_page_by_page(district, order):
    middle = sorted(Unit.objects.values_list("pk", flat=True))[4]
    expected = list(Unit.objects.order_by(*order))
    rows = OrderedUnion(
        [in_pieces(order, Unit.objects.filter(pk__lte=middle)), Unit.objects.filter(pk__gt=middle)], order
    )
    pages = [rows[start : start + 2] for start in range(0, len(expected) + 2, 2)]
    assert [unit for page in pages for unit in page] == expected
    assert rows.count() == len(expected)


def test_it_reads_a_page_of_consecutive_pieces_in_one_query(district, django_assert_num_queries):
    rows = OrderedUnion([in_pieces(BY_KIND)], BY_KIND)
    with django_assert_num_queries(1):
        rows[0:3]
