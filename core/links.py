"""Addresses reversed once rather than by ``reverse`` each time: of one object by id, and of a page without
arguments.

``reverse`` costs a list's row more than all its dates, and a sweep builds fifty thousand links; the address
of a view that takes one integer id differs only in that id, and a page's menu and masthead link the same
twenty pages on every request.
"""

from functools import cache

from django.urls import get_script_prefix, reverse


def id_url(view_name: str, object_id: int) -> str:
    """What ``reverse(view_name, args=[object_id])`` gives, under the current script prefix."""
    return id_url_format(view_name) % int(object_id)


def id_url_format(view_name: str) -> str:
    """The address of ``view_name`` with ``%d`` for the id, under the current script prefix: a batch of links
    looks the prefix up once, not once each."""
    return _id_url_format(get_script_prefix(), view_name)


@cache
def _id_url_format(prefix: str, view_name: str) -> str:
    sentinel = 987654321
    return reverse(view_name, args=[sentinel]).replace("%", "%%").replace(str(sentinel), "%d")


def fixed_url(view_name: str) -> str:
    """What ``reverse(view_name)`` gives for a view without arguments, under the current script prefix."""
    return _fixed_url(get_script_prefix(), view_name)


@cache
def _fixed_url(prefix: str, view_name: str) -> str:
    return reverse(view_name)
