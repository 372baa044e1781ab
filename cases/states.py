"""The states of a case, apart from the model so that its permission rules can name them too."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    OPENED = "opened", _("Opened")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (CaseState.OPENED, CaseState.ASSIGNED, CaseState.RESOLVED)
# States in which a case is being worked on and can be late: the partial indexes on its deadlines cover these.
UNRESOLVED_STATES = (CaseState.OPENED, CaseState.ASSIGNED)
