"""Everyone is named alike, whether read as a user or as a row's columns."""

import pytest
from django.contrib.auth import get_user_model

from core.people import person_name, user_name


@pytest.mark.parametrize(
    ("first_name", "last_name", "expected"),
    [("德", "刘", "德 刘"), ("", "刘", "刘"), ("德", "", "德"), ("", "", "liude"), (None, None, "liude")],
)
def test_it_names_a_person_as_djangos_full_name_else_the_username(first_name, last_name, expected):
    user = get_user_model()(username="liude", first_name=first_name or "", last_name=last_name or "")

    assert person_name(first_name=first_name, last_name=last_name, username="liude") == expected
    assert expected == (user.get_full_name() or user.get_username())
    assert user_name(user) == expected
