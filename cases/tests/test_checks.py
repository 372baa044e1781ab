"""The settings' checks of the cases app, which ``migrate`` and ``check`` run before anything starts."""

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings


def check_ids() -> set[str]:
    return {message.id for message in run_checks()}


@pytest.mark.django_db
def test_a_case_number_prefix_of_letters_and_digits_passes():
    for prefix in ("QY", "HN01", "郑州"):
        with override_settings(HUIYIN={**settings.HUIYIN, "CASE_NUMBER_PREFIX": prefix}):
            assert "cases.E001" not in check_ids(), prefix


@pytest.mark.django_db
def test_a_case_number_prefix_with_a_dash_or_a_space_is_refused():
    for prefix in ("QY-HN", "Q Y", ""):
        with override_settings(HUIYIN={**settings.HUIYIN, "CASE_NUMBER_PREFIX": prefix}):
            assert "cases.E001" in check_ids(), prefix
