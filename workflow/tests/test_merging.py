"""并单: a dispatcher merges one enterprise's duplicate into its other open case; and the similar open cases
that suggest it (and common problems) to dispatchers and cadres."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent, CaseState, Closure, EventAction
from cases.selectors import similar_open_cases
from enterprises.access import roles_for_user
from workflow import services
from workflow.models import ClockOutcome, DeadlineCycle

from .helpers import CASES_URL, act, assigned_case, notified, opened_case, reload, resolved_case, snapshot

pytestmark = pytest.mark.django_db


def duplicate_pair(district) -> tuple[Case, Case]:
    """Alice filed the same road twice: the first one assigned to carol, the second waiting for the dispatcher."""
    return assigned_case(district), opened_case(district)


def test_it_closes_the_duplicate_into_the_enterprises_other_case_and_tells_the_enterprise(district):
    kept, duplicate = duplicate_pair(district)

    response = act(district, district.dora, duplicate, "merge", {"into": kept.pk, "note": "同一问题重复提交"})

    assert response.status_code == 200, response.data
    assert response.data["state"] == CaseState.CLOSED
    assert response.data["closure"] == Closure.DUPLICATE
    assert response.data["merged_into"] == {"id": kept.pk, "number": kept.number}
    merged = reload(duplicate)
    assert (merged.merged_into_id, merged.closed_at is not None) == (kept.pk, True)
    assert notified(duplicate, "case_merged") == ["alice"]
    event = CaseEvent.objects.filter(case=duplicate).latest("id")
    assert (event.action, event.actor, event.data["into"], event.is_internal) == (
        EventAction.MERGE,
        district.dora,
        kept.number,
        False,
    )
    taken_in = CaseEvent.objects.filter(case=kept).latest("id")
    assert (taken_in.action, taken_in.data["from"]) == (EventAction.MERGE_IN, duplicate.number)
    assert reload(kept).state == CaseState.ASSIGNED


def test_it_stops_the_duplicates_clocks_as_merged_so_it_is_never_late(district):
    kept, duplicate = duplicate_pair(district)

    services.case_merge(case=duplicate, into=kept, acting_user=district.dora)

    cycles = DeadlineCycle.objects.filter(case=duplicate)
    assert cycles.exists()
    assert set(cycles.values_list("outcome", flat=True)) == {ClockOutcome.MERGED}
    assert not cycles.filter(ended_at__isnull=True).exists()
    assert reload(duplicate).response_due_at is None


def test_the_enterprise_reads_where_its_problem_is_answered_but_cannot_merge(district):
    kept, duplicate = duplicate_pair(district)
    before = snapshot(duplicate)

    refused = act(district, district.alice, duplicate, "merge", {"into": kept.pk})
    services.case_merge(case=duplicate, into=kept, acting_user=district.dora)
    seen = district.client(district.alice).get(f"{CASES_URL}{duplicate.pk}/").json()

    assert refused.status_code == 403
    assert before.version < reload(duplicate).version
    assert seen["merged_into"]["number"] == kept.number
    assert [event["action"] for event in seen["events"]][-1] == EventAction.MERGE


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ("itself", 400, "merge_into_itself"),
        ("hongda", 400, "merge_other_enterprise"),
        ("closed", 409, "merge_into_closed"),
    ],
)
def test_it_refuses_a_target_that_is_not_the_enterprises_other_open_case(district, target, status, code):
    duplicate = opened_case(district)
    targets = {
        "itself": duplicate,
        "hongda": opened_case(district, by=district.bob, enterprise=district.hongda),
        "closed": services.case_withdraw(case=opened_case(district), acting_user=district.alice, reason="已解决"),
    }
    before = snapshot(duplicate)

    response = act(district, district.dora, duplicate, "merge", {"into": targets[target].pk})

    assert response.status_code == status, response.data
    assert response.data["code"] == code
    assert snapshot(duplicate) == before


def test_it_refuses_to_merge_a_resolved_case_and_says_nothing_of_a_case_the_user_cannot_see(district):
    kept = assigned_case(district)
    resolved = resolved_case(district)
    hongda = opened_case(district, by=district.bob, enterprise=district.hongda)

    late = act(district, district.dora, resolved, "merge", {"into": kept.pk})
    unseen = act(district, district.carol, kept, "merge", {"into": hongda.pk})

    assert (late.status_code, late.data["code"]) == (409, "invalid_state")
    assert unseen.status_code in (400, 403)
    assert reload(kept).state == CaseState.ASSIGNED


def test_it_suggests_open_look_alikes_same_category_first_and_marks_the_enterprises_own(district):
    original = assigned_case(district)  # 厂区道路破损, infrastructure
    own = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="厂区道路破损严重",
        description="再次反映。",
    )
    other = services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="厂区道路破损",
        description="园区道路坑洼。",
    )
    services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.financing,
        title="贷款审批进度",
        description="无关。",
    )
    closed = services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="厂区道路破损",
        description="已撤回。",
    )
    services.case_withdraw(case=closed, acting_user=district.bob, reason="已解决")

    response = district.client(district.dora).get(f"{CASES_URL}{original.pk}/similar/")

    assert response.status_code == 200
    rows = {row["number"]: row for row in response.json()}
    assert set(rows) == {own.number, other.number}
    assert rows[own.number]["same_enterprise"] is True
    assert rows[other.number]["same_enterprise"] is False
    assert all(row["same_category"] and row["same_township"] for row in rows.values())


def test_an_enterprise_is_offered_only_its_own_look_alikes(district):
    original = assigned_case(district)
    services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="厂区道路破损",
        description="园区道路坑洼。",
    )

    response = district.client(district.alice).get(f"{CASES_URL}{original.pk}/similar/")

    assert response.status_code == 200
    assert response.json() == []


def test_it_finds_look_alikes_in_one_query(district):
    original = assigned_case(district)
    for _ in range(3):
        services.case_file(
            acting_user=district.bob,
            enterprise=district.hongda,
            category=district.infrastructure,
            title="厂区道路破损",
            description="园区道路坑洼。",
        )
    case = Case.objects.select_related("enterprise").get(pk=original.pk)
    roles_for_user(district.dora)  # the user's roles are read once per request, before any list

    with CaptureQueriesContext(connection) as queries:
        found = similar_open_cases(district.dora, case)

    assert len(found) == 3
    assert len(queries) == 1, [query["sql"] for query in queries]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_the_look_alikes_read_the_trigram_index_of_open_titles_not_every_open_case(district):
    original = assigned_case(district)
    words = "供电增容土地审批融资贷款用工招聘道路排水燃气消防环评规划施工许可税费补贴人才公寓物流仓储"
    Case.objects.bulk_create(
        Case(
            number=f"T-{index:06d}",
            enterprise=district.hongda,
            filed_by=district.bob,
            category=district.financing,
            title=f"{words[index % 40 : index % 40 + 6]}问题{index}",
            description="批量",
            state=CaseState.OPENED,
        )
        for index in range(3000)
    )
    case = Case.objects.select_related("enterprise").get(pk=original.pk)
    with CaptureQueriesContext(connection) as queries:
        similar_open_cases(district.dora, case)

    with connection.cursor() as cursor:
        # What autovacuum does in production: move the new rows from the index's pending list into the index.
        cursor.execute("SELECT gin_clean_pending_list('case_open_title_trgm')")
        # ... and keep every table's statistics: a never-analysed enterprise table looks like one row, which made
        # reading that one enterprise's cases by its index look cheaper than the trigram index now and then.
        cursor.execute("ANALYZE cases_case, enterprises_enterprise, auth_user, enterprises_unit, cases_category")
        # A few thousand rows still fit a page scan; what is asked is which index picks the open look-alikes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {queries[-1]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "case_open_title_trgm" in plan, plan


def test_it_keeps_a_case_waiting_for_its_sub_cases_and_never_merges_into_a_sub_case(district):
    parent = assigned_case(district)
    sub_case = services.sub_case_file(
        parent=parent,
        acting_user=district.sam,
        unit=district.commerce,
        assignee=district.dave,
        title="属地协调",
        description="按会议议定办理。",
        resolution_workdays=5,
    )
    other = opened_case(district)

    waiting = act(district, district.dora, reload(parent), "merge", {"into": other.pk})
    into_sub_case = act(district, district.dora, other, "merge", {"into": sub_case.pk})

    assert (waiting.status_code, waiting.data["code"]) == (409, "sub_cases_open")
    assert (into_sub_case.status_code, into_sub_case.data["code"]) == (400, "merge_into_sub_case")
