from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and assessment")

    def ready(self) -> None:
        # The workflow cannot import supervision (it sits below it), so a bad rating reaches the
        # rectifications through this signal, sent inside the closing transaction.
        from cases.models import Case
        from enterprises.models import ServiceAssignment
        from enterprises.signals import service_assignments_changed
        from workflow.signals import case_closed

        from .circulars import checks  # noqa: F401  (registers the PDF font check)
        from .ratings.services import rectification_open_on_rating
        from .visits.services import visit_duties_on_service_change

        case_closed.connect(rectification_open_on_rating, sender=Case, dispatch_uid="supervision-rectification-open")
        # Likewise a change of an enterprise's 包保 reaches its visit duties, inside the change's transaction.
        service_assignments_changed.connect(
            visit_duties_on_service_change, sender=ServiceAssignment, dispatch_uid="supervision-visit-duties"
        )
