"""Reads of the re-check: samples of the jurisdictions a user oversees, their items through ``cases_visible_to``,
a supervisor's jurisdictions to draw for, and the population a sample is drawn from."""

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cases.models import CaseState, Closure
from cases.selectors import cases_visible_to
from core.errors import NotPermitted
from enterprises.access import UnitTree, roles_for_user
from enterprises.models import Role, Unit, UnitMembership

from ..rates.periods import Period, within
from .models import RecheckItem, RecheckResult, RecheckSample
from .permissions import may_read_rechecks
from .sampling import Candidate


def recheck_samples_visible_to(user: User) -> QuerySet[RecheckSample]:
    """Samples of a jurisdiction inside the one the user oversees; refused to everyone but supervisors and leaders."""
    if not may_read_rechecks(user):
        raise NotPermitted(_("Only supervisors and leaders can see re-checks."), code="not_an_overseer")
    roles = roles_for_user(user)
    samples = RecheckSample.objects.select_related("jurisdiction", "drawn_by")
    if roles.is_superuser:
        return samples
    return samples.filter(jurisdiction_id__in=roles.supervised_unit_ids | roles.led_unit_ids)


def recheck_samples_with_counts(user: User) -> QuerySet[RecheckSample]:
    """Visible samples with how many items each has, and how many are pending, passed and failed."""
    return recheck_samples_visible_to(user).annotate(
        items_count=Count("items"),
        pending_count=Count("items", filter=Q(items__result="")),
        passed_count=Count("items", filter=Q(items__result=RecheckResult.PASSED)),
        failed_count=Count("items", filter=Q(items__result=RecheckResult.FAILED)),
    )


def recheck_items_visible_to(user: User, *, sample: RecheckSample) -> QuerySet[RecheckItem]:
    """The sample's items whose case the user may see, through the one visibility gate."""
    return (
        sample.items.filter(case__in=cases_visible_to(user).values("pk"))
        .select_related("case", "case__enterprise", "unit", "assignee", "checked_by")
        .order_by("position")
    )


def recheck_jurisdictions(user: User) -> list[Unit]:
    """The units at the top of a supervisor's jurisdictions: a sample is drawn for one of them."""
    roots = (
        UnitMembership.objects.filter(user=user, role=Role.SUPERVISOR)
        .annotate(root=Coalesce("jurisdiction_id", "unit_id"))
        .values("root")
    )
    return list(Unit.objects.filter(pk__in=roots).order_by("name"))


def recheck_population(*, user: User, jurisdiction: Unit, period: Period) -> list[Candidate]:
    """Cases the user may see, answered for by a unit of the jurisdiction, closed in the month, not withdrawn.

    Closed without an answer and closed by a supervisor are included: they are exactly the ones worth a
    call. A case drawn that month by an overlapping jurisdiction's sample is not drawn twice.
    """
    units = UnitTree().subtree([jurisdiction.pk])
    rows = (
        cases_visible_to(user)
        .filter(within("closed_at", period), state=CaseState.CLOSED, responsible_unit_id__in=units)
        .exclude(closure=Closure.WITHDRAWN)
        .exclude(rechecks__sample__period=period.label)
        .order_by("pk")
        .values_list("pk", "responsible_unit_id", "assignee_id")
    )
    return [Candidate(case_id=pk, unit_id=unit_id, assignee_id=assignee_id) for pk, unit_id, assignee_id in rows]
