"""The paginator of the meetings and circulars lists and of a search: a list that fits on its first page is read
without being counted; any other page, or a longer list, reads as Django's paginator reads it."""

import pytest
from django.core.paginator import Paginator

from core.pagination import ShortListPaginator
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
