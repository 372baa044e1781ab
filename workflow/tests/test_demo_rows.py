"""The demo's row writer writes exactly the rows the services write for the same calls at the same moments.

Each history runs twice from the same database state: through the services under time_machine, and through
``RowWriter``; every row of the tables a case touches must come out equal, ids included, and no other table
may change. A change to a service that the writer does not follow fails here.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.db import transaction

from cases.models import Case, CaseEvent, CaseNumberSequence, Comment, ResolutionType, Visibility
from notifications.models import Delivery, Notification
from supervision.ratings.models import Rectification
from workflow.demo.buffer import sequences_reset
from workflow.demo.calls import (
    Call,
    case_history_call,
    extension_decide_pending,
    sweep_closes_unanswered,
    sweep_urges_overdue,
)
from workflow.demo.rows import RowWriter
from workflow.models import DeadlineCycle, ExtensionRequest
from workflow.services import (
    case_accept,
    case_assign,
    case_close,
    case_file,
    case_reassign,
    case_reopen,
    case_resolve,
    case_send_back,
    case_withdraw,
    comment_add,
    extension_request_create,
)
from workflow.workdays import SHANGHAI

COMPARED = (Case, CaseEvent, DeadlineCycle, Comment, Notification, CaseNumberSequence, Rectification, ExtensionRequest)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in the district: the 2nd is a Monday."""
    return datetime.combine(date(2026, 3, day), time(hour, minute), tzinfo=SHANGHAI)


def filed(district, moment: datetime, *, by=None, enterprise=None, category=None) -> Call:
    return Call(
        moment,
        case_file,
        {
            "acting_user": by or district.alice,
            "enterprise": enterprise or district.yixin,
            "category": category or district.infrastructure,
            "title": "园区专用电力线缆需增容",
            "description": "新生产线投产后现有线路容量不足，影响正常生产。",
        },
    )


def routed_worked_on_and_confirmed(district) -> list[Call]:
    """Routed to carol on filing; signed for, public replies both ways, an internal note, solved, rated 5."""
    return [
        filed(district, at(2, 9)),
        Call(at(2, 10), case_accept, {"acting_user": district.carol}),
        Call(at(2, 11), comment_add, {"acting_user": district.carol, "body": "已签收，明天到现场。"}),
        Call(at(2, 20), comment_add, {"acting_user": district.alice, "body": "好的，我们配合。"}),
        Call(
            at(3, 9),
            comment_add,
            {"acting_user": district.carol, "body": "已联系供电公司。", "visibility": Visibility.INTERNAL},
        ),
        Call(
            at(5, 15),
            case_resolve,
            {"acting_user": district.carol, "resolution_type": ResolutionType.SOLVED, "reply": "已协调完成增容。"},
        ),
        Call(at(6, 10), case_close, {"acting_user": district.alice, "satisfaction": 5, "comment": "办理迅速"}),
    ]


def dispatched_sent_back_moved_within_the_bureau_and_closed_by_supervisor(district) -> list[Call]:
    """Hongda has no cadre: dora routes it, dave sends it back, dora routes it anew with deadlines of her own,
    hank hands it to the bureau's section, and sam crosses it off when bob never answers."""
    return [
        filed(district, at(2, 9), by=district.bob, enterprise=district.hongda, category=district.financing),
        Call(
            at(2, 14),
            case_assign,
            {"acting_user": district.dora, "assignee": district.dave, "unit": district.commerce, "note": "请办理"},
        ),
        Call(at(3, 9), case_send_back, {"acting_user": district.dave, "reason": "不属于本单位职责。"}),
        Call(
            at(3, 10),
            case_assign,
            {
                "acting_user": district.dora,
                "assignee": district.carol,
                "unit": district.industry,
                "response_due_at": at(4, 17, 30),
                "resolution_due_at": at(10, 17, 30),
            },
        ),
        Call(
            at(3, 15),
            case_reassign,
            {
                "acting_user": district.hank,
                "assignee": district.carla,
                "unit": district.industry_office,
                "note": "改由企业服务科承办。",
            },
        ),
        Call(
            at(9, 11),
            case_resolve,
            {"acting_user": district.carla, "resolution_type": ResolutionType.EXPLAINED, "reply": "已解释政策。"},
        ),
        Call(at(20, 9), case_close, {"acting_user": district.sam, "comment": "企业未确认，电话回访已解决。"}),
    ]


def rejected_once_then_left_unanswered(district) -> list[Call]:
    """Answered late without signing for it, rejected by alice, answered again; the sweep closes it."""
    return [
        filed(district, at(2, 9)),
        Call(
            at(13, 16),
            case_resolve,
            {"acting_user": district.carol, "resolution_type": ResolutionType.PARTLY_SOLVED, "reply": "部分解决。"},
        ),
        Call(at(16, 9), case_reopen, {"acting_user": district.alice, "reason": "问题没有实际解决。"}),
        Call(
            at(18, 10),
            case_resolve,
            {"acting_user": district.hank, "resolution_type": ResolutionType.SOLVED, "reply": "经再次核查已解决。"},
        ),
        Call(at(25, 17, 32), sweep_closes_unanswered),
    ]


def withdrawn_before_routing(district) -> list[Call]:
    return [
        filed(district, at(2, 9), by=district.bob, enterprise=district.hongda),
        Call(at(2, 21), case_withdraw, {"acting_user": district.bob, "reason": "企业已自行解决。"}),
    ]


def withdrawn_after_signing_for(district) -> list[Call]:
    return [
        filed(district, at(2, 9)),
        Call(at(2, 10), case_accept, {"acting_user": district.carol}),
        Call(at(4, 8), case_withdraw, {"acting_user": district.alice, "reason": "项目暂缓。"}),
    ]


def rated_badly(district) -> list[Call]:
    """A rating of 2 opens a rectification: the writer leaves the close to the service."""
    return [
        filed(district, at(2, 9)),
        Call(
            at(4, 15),
            case_resolve,
            {"acting_user": district.carol, "resolution_type": ResolutionType.SOLVED, "reply": "已处理。"},
        ),
        Call(at(5, 10), case_close, {"acting_user": district.alice, "satisfaction": 2, "comment": "拖了很久。"}),
    ]


def given_more_time(district) -> list[Call]:
    """carol asks for more time, sam grants it; from the request on, the services write the case."""
    return [
        filed(district, at(2, 9)),
        Call(at(2, 10), case_accept, {"acting_user": district.carol}),
        Call(
            at(6, 10),
            extension_request_create,
            {"acting_user": district.carol, "requested_due_date": date(2026, 3, 20), "reason": "需等待设备到货。"},
        ),
        Call(at(6, 14), extension_decide_pending, {"acting_user": district.sam, "approve": True, "note": "同意。"}),
        Call(
            at(19, 15),
            case_resolve,
            {"acting_user": district.carol, "resolution_type": ResolutionType.SOLVED, "reply": "已解决。"},
        ),
        Call(at(20, 9), case_close, {"acting_user": district.alice, "satisfaction": 4}),
    ]


def urged_by_the_sweep(district) -> list[Call]:
    """Seven working days to solve it from the 2nd; three working days late on the 16th, the sweep urges it."""
    return [
        filed(district, at(2, 9)),
        Call(at(2, 10), case_accept, {"acting_user": district.carol}),
        Call(at(16, 8, 32), sweep_urges_overdue),
        Call(
            at(17, 15),
            case_resolve,
            {"acting_user": district.carol, "resolution_type": ResolutionType.SOLVED, "reply": "已解决。"},
        ),
        Call(at(17, 20), case_close, {"acting_user": district.alice, "satisfaction": 3}),
    ]


HISTORIES = (
    routed_worked_on_and_confirmed,
    dispatched_sent_back_moved_within_the_bureau_and_closed_by_supervisor,
    rejected_once_then_left_unanswered,
    withdrawn_before_routing,
    withdrawn_after_signing_for,
    rated_badly,
    given_more_time,
    urged_by_the_sweep,
)


def rows() -> dict[str, list[dict]]:
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in COMPARED}


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def written(write) -> tuple[dict, dict]:
    """The rows and table sizes after ``write``, from the same start: rolled back, ids counted from the same place."""
    sequences_reset(COMPARED)
    with transaction.atomic():
        write()
        result = rows(), counts()
        transaction.set_rollback(True)
    return result


def by_writer(calls: list[Call]) -> None:
    writer = RowWriter()
    writer.write(calls)
    writer.flush()


@pytest.mark.django_db
@pytest.mark.parametrize("history", HISTORIES, ids=lambda history: history.__name__)
def test_it_writes_the_rows_the_services_write(district, history):
    calls = history(district)

    rows_by_services, counts_by_services = written(lambda: case_history_call(calls))
    rows_by_writer, counts_by_writer = written(lambda: by_writer(calls))

    assert rows_by_services["cases.Case"], "the history wrote no case"
    for label, expected in rows_by_services.items():
        assert rows_by_writer[label] == expected, label
    assert counts_by_writer == counts_by_services


@pytest.mark.django_db
def test_it_numbers_and_ids_cases_after_those_the_services_wrote_between_two_flushes(district):
    writer = RowWriter()
    writer.write(routed_worked_on_and_confirmed(district))
    writer.flush()
    between = case_history_call(withdrawn_after_signing_for(district))
    writer.write([filed(district, at(9, 9) + timedelta(days=1))])
    writer.flush()

    numbers = list(Case.objects.order_by("pk").values_list("number", flat=True))
    assert numbers == ["QY-2026-000001", between.number, "QY-2026-000003"]
    assert between.number == "QY-2026-000002"
    assert not Delivery.objects.exists()
