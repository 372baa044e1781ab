"""Rated cases for the rectification and appeal tests, built through the workflow's services.

Alice's cases of Yixin go to carol of the Industry Bureau (headed by hank) at once;
bob's cases of Hongda are routed by dora to dave of the Commerce Bureau (no head).
sam supervises the district; otto another district.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from cases.models import Case, ResolutionType
from notifications.models import Notification
from supervision.ratings.models import Rectification
from workflow import services

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECTIFICATIONS = "/api/v1/supervision/rectifications/"
APPEALS = "/api/v1/supervision/appeals/"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def resolved_case(district, *, unit: str = "industry", title: str = "厂区道路破损") -> Case:
    if unit == "industry":
        case = services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title=title,
            description="运输车辆无法通行。",
        )
        cadre = district.carol
    else:
        case = services.case_file(
            acting_user=district.bob,
            enterprise=district.hongda,
            category=district.financing,
            title=title,
            description="贷款材料已提交两周，尚无回复。",
        )
        cadre = district.dave
        case = services.case_assign(case=case, acting_user=district.dora, assignee=cadre, unit=district.commerce)
    return services.case_resolve(
        case=case, acting_user=cadre, resolution_type=ResolutionType.SOLVED, reply="已协调相关部门办理。"
    )


def rated_case(district, satisfaction: int, when: datetime, *, unit: str = "industry") -> Case:
    """Filed, resolved and rated by the enterprise at ``when``."""
    with travel(when):
        case = resolved_case(district, unit=unit)
        rater = district.alice if unit == "industry" else district.bob
        return services.case_close(case=case, acting_user=rater, satisfaction=satisfaction)


def rectification_of(case: Case) -> Rectification:
    return Rectification.objects.get(case=case)


def received(kind: str) -> list[str]:
    """Who got a notification of ``kind``, one entry per notification, sorted."""
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def post(district, user, url: str, body: dict | None = None, *, when: datetime | None = None, **headers):
    if when is None:
        return district.client(user).post(url, body or {}, format="json", **headers)
    with travel(when):
        return district.client(user).post(url, body or {}, format="json", **headers)
