"""Cases in a given state for the workflow tests, and what a user reads back through the API.

Setup goes through ``workflow.services`` (each call gets the case the previous
one returned, so the version check passes); the behaviour under test goes
through HTTP.
"""

from dataclasses import dataclass

from cases.models import Case, CaseEvent, Category, ResolutionType
from enterprises.models import UnitKind
from notifications.models import Notification
from workflow import services

CASES_URL = "/api/v1/cases/"


def case_url(case: Case, action: str | None = None) -> str:
    return f"{CASES_URL}{case.pk}/{action}/" if action else f"{CASES_URL}{case.pk}/"


def act(district, user, case: Case, action: str, body: dict | None = None, **headers):
    """POST one action as ``user``, the way the web client does."""
    return district.client(user).post(case_url(case, action), body or {}, format="json", **headers)


def actions_of(district, user, case: Case) -> set[str]:
    """The buttons ``user`` is offered on the case page."""
    response = district.client(user).get(case_url(case))
    assert response.status_code == 200, response.data
    return set(response.data["available_actions"])


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@dataclass(frozen=True)
class Snapshot:
    state: str
    version: int
    events: int
    notifications: int


def snapshot(case: Case) -> Snapshot:
    fresh = reload(case)
    return Snapshot(
        state=fresh.state,
        version=fresh.version,
        events=CaseEvent.objects.filter(case=fresh).count(),
        notifications=Notification.objects.filter(about=f"case:{fresh.pk}").count(),
    )


def events_since(case: Case, before: Snapshot) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("created_at", "id")[before.events :])


def notified(case: Case, kind: str) -> list[str]:
    """Usernames that got a notification of ``kind`` about the case, sorted."""
    rows = Notification.objects.filter(about=f"case:{case.pk}", kind=kind).select_related("recipient")
    return sorted(row.recipient.get_username() for row in rows)


def dispatch_only_category() -> Category:
    """A category whose cases wait for the dispatcher instead of going to the 包联 cadre."""
    category, _created = Category.objects.get_or_create(
        code="dispatch-only",
        defaults={
            "name_zh": "调度分派",
            "name_en": "Routed by the dispatcher",
            "default_unit_kind": UnitKind.BUREAU,
            "route_to_serving_cadre": False,
            "position": 99,
        },
    )
    return category


def opened_case(district, *, by=None, enterprise=None) -> Case:
    """Filed by alice for Yixin (or by ``by`` for ``enterprise``) and not routed: state opened."""
    return services.case_file(
        acting_user=by or district.alice,
        enterprise=enterprise or district.yixin,
        category=dispatch_only_category(),
        title="新厂区用电报装进度慢",
        description="申请增容三个月仍未答复。",
    )


def assigned_case(district) -> Case:
    """Filed by alice under a routing category: assigned to carol of the Industry Bureau at once."""
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="厂区道路破损",
        description="运输车辆无法通行。",
    )


def accepted_case(district) -> Case:
    return services.case_accept(case=assigned_case(district), acting_user=district.carol)


def resolved_case(district) -> Case:
    return services.case_resolve(
        case=assigned_case(district),
        acting_user=district.carol,
        resolution_type=ResolutionType.SOLVED,
        reply="已协调交通局修复道路。",
    )


def closed_case(district) -> Case:
    """Resolved by carol, then confirmed by alice with the best rating."""
    return services.case_close(case=resolved_case(district), acting_user=district.alice, satisfaction=5)


def withdrawn_case(district) -> Case:
    return services.case_withdraw(case=opened_case(district), acting_user=district.alice, reason="问题已自行解决。")


def reopened(district, case: Case, *, times: int) -> Case:
    """Alice rejects the solution ``times`` times; carol resolves it again after each."""
    for round_number in range(times):
        case = services.case_reopen(case=case, acting_user=district.alice, reason=f"第{round_number + 1}次不认可。")
        case = services.case_resolve(
            case=case, acting_user=district.carol, resolution_type=ResolutionType.EXPLAINED, reply="再次答复。"
        )
    return case


def routed_case(district, *, by, enterprise, assignee, unit) -> Case:
    """Filed by ``by`` for ``enterprise`` and routed by dora to ``assignee`` in ``unit``."""
    case = opened_case(district, by=by, enterprise=enterprise)
    return services.case_assign(case=case, acting_user=district.dora, assignee=assignee, unit=unit)


def closed_hongda_case(district) -> Case:
    """A case of Hongda (bob's enterprise), routed to dave of Commerce, resolved and confirmed by bob."""
    case = routed_case(
        district, by=district.bob, enterprise=district.hongda, assignee=district.dave, unit=district.commerce
    )
    case = services.case_resolve(
        case=case, acting_user=district.dave, resolution_type=ResolutionType.SOLVED, reply="已办结。"
    )
    return services.case_close(case=case, acting_user=district.bob, satisfaction=4)


def notifications_since(case: Case, before: Snapshot) -> list[tuple[str, str]]:
    """(kind, recipient username) of the notifications about the case created after ``before``."""
    rows = Notification.objects.filter(about=f"case:{case.pk}").select_related("recipient").order_by("id")
    return sorted((row.kind, row.recipient.get_username()) for row in rows[before.notifications :])
