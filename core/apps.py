from django.apps import AppConfig
from django_fsm.signals import pre_transition


class CoreConfig(AppConfig):
    """What every app may import: the error root, the API's shared pieces, the limits of free text, the audit
    log of transitions, the ``any_of`` lookup."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .fsm import refuse_unlogged_transition  # reads django-fsm-log's model, so once the apps are ready
        from .lookups import register

        register()

        pre_transition.connect(refuse_unlogged_transition, dispatch_uid="core.fsm.refuse_unlogged_transition")
