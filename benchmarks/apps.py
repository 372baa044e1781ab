from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    """The province-scale dataset and the benchmark harness (``seed_scale``, ``bench``); no models of its own."""

    name = "benchmarks"
    verbose_name = _("Benchmarks")
