"""Where a new case goes: the enterprise's 包联 cadre, and the unit the category's kind points to.

Filing uses it to route a case at once; the dispatcher's page uses the same
answer as its suggestion, so the two can never disagree.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User

from cases.models import Case, Category
from enterprises.models import LOCAL_UNIT_KINDS, Enterprise, ServiceAssignment, Unit


@dataclass(frozen=True)
class Route:
    """The route of one case given the enterprise's current 包保 row (or None).

    ``cadre`` and ``cadre_unit`` always form a valid assignment together. Nothing here queries
    beyond what is passed in, except ``default_unit`` reading the enterprise's township when it
    was not selected.
    """

    enterprise: Enterprise
    category: Category
    service: ServiceAssignment | None

    @property
    def cadre(self) -> User | None:
        service = self.service
        return service.cadre if service and service.cadre and service.cadre.is_active else None

    @property
    def cadre_unit(self) -> Unit | None:
        service = self.service
        return service.unit if service and self.cadre else None

    @property
    def automatic(self) -> bool:
        """Filing assigns the case at once when the category routes to the serving cadre and there is one."""
        return bool(self.category.route_to_serving_cadre and self.cadre)

    @property
    def default_unit(self) -> Unit | None:
        """A local category (power, water, land, workers) belongs to the enterprise's township or street
        office; any other to the serving unit when that unit is of the category's kind."""
        if self.category.default_unit_kind in LOCAL_UNIT_KINDS:
            return self.enterprise.township
        if self.service and self.service.unit.kind == self.category.default_unit_kind:
            return self.service.unit
        return None


def current_services(enterprise_ids: Iterable[int]) -> dict[int, ServiceAssignment]:
    """The current 包保 row of each enterprise, with its cadre and unit, in one query."""
    rows = ServiceAssignment.objects.filter(enterprise_id__in=set(enterprise_ids), ended_at__isnull=True)
    return {row.enterprise_id: row for row in rows.select_related("cadre", "unit")}


def route_for(*, enterprise: Enterprise, category: Category) -> Route:
    return Route(enterprise=enterprise, category=category, service=current_services([enterprise.pk]).get(enterprise.pk))


def routes_for_cases(cases: Iterable[Case]) -> dict[int, Route]:
    """Suggestions for a page of cases (with enterprise, its township and category selected), in one query."""
    cases = list(cases)
    services = current_services(case.enterprise_id for case in cases)
    return {
        case.pk: Route(enterprise=case.enterprise, category=case.category, service=services.get(case.enterprise_id))
        for case in cases
    }
