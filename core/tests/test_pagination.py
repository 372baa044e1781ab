"""The paginators that spare a list its COUNT query. The meetings and circulars lists and a search: a list that
fits on its first page is read without being counted; any other page, or a longer list, reads as Django's
paginator reads it. The queue and the overdue list: every page's rows carry the total."""

import pytest
from django.core.paginator import EmptyPage, Paginator

from core.pagination import ShortListPaginator, TotalInPagePaginator, with_total
from enterprises.models import Unit


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
