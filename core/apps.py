from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app may import: the error root, the API's shared pieces, the limits of free text."""

    name = "core"
    verbose_name = "Core"
