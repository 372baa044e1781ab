"""Two people acting on one case at the same moment, and many filings at once, with real threads.

Each thread has its own database connection and its own API client, waits at a
barrier, then sends its request, so the requests overlap for real: on
PostgreSQL the row lock (``select_for_update``) makes them take turns, on
SQLite the IMMEDIATE transactions do. The loser must get a 409 and leave no
trace: exactly one event row and one notification for the action.

``serialized_rollback`` restores the categories of the data migration, which
the flush after a transactional test would otherwise remove for the next one.
"""

import re
import threading
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState, ResolutionType
from notifications.models import Notification
from workflow import services
from workflow.models import DeadlineCycle
from workflow.selectors import work_calendar

from .helpers import CASES_URL, accepted_case, assigned_case, case_url, opened_case, reload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 5
WAIT_SECONDS = 60


@dataclass(frozen=True)
class Post:
    user_id: int
    path: str
    body: dict


@dataclass(frozen=True)
class Outcome:
    user_id: int
    status: int
    data: dict


def post_at_once(posts: list[Post], *, repeat: int = 1) -> list[Outcome]:
    """Send every post from its own thread, released together; each thread sends its post ``repeat`` times."""
    barrier = threading.Barrier(len(posts), timeout=WAIT_SECONDS)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(post: Post) -> None:
        try:
            user = get_user_model().objects.get(pk=post.user_id)
            client = APIClient()
            client.force_authenticate(user=user)
            barrier.wait()
            for _ in range(repeat):
                response = client.post(post.path, post.body, format="json")
                with lock:
                    outcomes.append(Outcome(post.user_id, response.status_code, dict(response.data)))
        except BaseException as error:  # a failed thread must fail the test, not vanish
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(post,)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert not [thread for thread in threads if thread.is_alive()], "a request hung"
    assert not errors, errors
    return outcomes


def one_winner(outcomes: list[Outcome]) -> tuple[Outcome, Outcome]:
    """The single 200 and the single 409 of a race between two requests."""
    assert sorted(outcome.status for outcome in outcomes) == [200, 409], outcomes
    winner = next(outcome for outcome in outcomes if outcome.status == 200)
    loser = next(outcome for outcome in outcomes if outcome.status == 409)
    return winner, loser


def events(case: Case, action: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk, action=action))


def notifications(case: Case, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(about=f"case:{case.pk}", kind=kind))


def test_it_lets_only_one_of_two_people_resolve_the_same_case(district):
    for _round in range(ROUNDS):
        case = assigned_case(district)
        reply = {"resolution_type": ResolutionType.SOLVED, "version": case.version}
        posts = [
            Post(district.carol.pk, case_url(case, "resolve"), {**reply, "reply": "承办人答复。"}),
            Post(district.hank.pk, case_url(case, "resolve"), {**reply, "reply": "局长答复。"}),
        ]

        winner, loser = one_winner(post_at_once(posts))

        assert loser.data["code"] == "stale_case"
        fresh = reload(case)
        assert fresh.state == CaseState.RESOLVED
        assert fresh.version == case.version + 1
        [resolved] = events(case, "resolve")
        assert resolved.actor_id == winner.user_id
        assert fresh.reply == resolved.note
        assert [row.recipient for row in notifications(case, "case_resolved")] == [district.alice]


def test_it_lets_only_one_of_two_dispatchers_route_the_same_case(district):
    for _round in range(ROUNDS):
        case = opened_case(district)
        posts = [
            Post(
                district.dora.pk,
                case_url(case, "assign"),
                {"assignee": district.carol.pk, "unit": district.industry.pk, "version": case.version},
            ),
            Post(
                district.sam.pk,
                case_url(case, "assign"),
                {"assignee": district.dave.pk, "unit": district.commerce.pk, "version": case.version},
            ),
        ]

        winner, loser = one_winner(post_at_once(posts))

        assert loser.data["code"] == "stale_case"
        chosen = district.carol if winner.user_id == district.dora.pk else district.dave
        fresh = reload(case)
        assert (fresh.state, fresh.assignee, fresh.version) == (CaseState.ASSIGNED, chosen, case.version + 1)
        [assigned] = events(case, "assign")
        assert assigned.actor_id == winner.user_id
        assert [row.recipient for row in notifications(case, "case_assigned")] == [chosen]


def test_it_lets_either_the_withdrawal_or_the_resolution_win_but_not_both(district):
    for _round in range(ROUNDS):
        case = assigned_case(district)
        posts = [
            Post(district.alice.pk, case_url(case, "withdraw"), {"reason": "已自行解决。", "version": case.version}),
            Post(
                district.carol.pk,
                case_url(case, "resolve"),
                {"resolution_type": ResolutionType.SOLVED, "reply": "已办结。", "version": case.version},
            ),
        ]

        winner, loser = one_winner(post_at_once(posts))

        assert loser.data["code"] == "stale_case"
        withdrawn = winner.user_id == district.alice.pk
        fresh = reload(case)
        assert fresh.state == (CaseState.CLOSED if withdrawn else CaseState.RESOLVED)
        assert len(events(case, "withdraw")) == int(withdrawn)
        assert len(events(case, "resolve")) == int(not withdrawn)
        assert len(notifications(case, "case_withdrawn")) == int(withdrawn)
        assert len(notifications(case, "case_resolved")) == int(not withdrawn)


def test_it_counts_a_double_click_on_sign_for_once(district):
    for _round in range(ROUNDS):
        case = assigned_case(district)
        post = Post(district.carol.pk, case_url(case, "accept"), {})

        outcomes = post_at_once([post, post])

        winner, loser = one_winner(outcomes)
        assert loser.data["code"] in {"stale_case", "invalid_state"}
        assert len(events(case, "accept")) == 1
        assert reload(case).version == case.version + 1


def test_it_refuses_a_reassignment_racing_a_resolution_of_an_accepted_case(district):
    for _round in range(ROUNDS):
        case = accepted_case(district)
        posts = [
            Post(
                district.dora.pk,
                case_url(case, "reassign"),
                {"assignee": district.carla.pk, "unit": district.industry_office.pk, "version": case.version},
            ),
            Post(
                district.hank.pk,
                case_url(case, "resolve"),
                {"resolution_type": ResolutionType.EXPLAINED, "reply": "已解释。", "version": case.version},
            ),
        ]

        winner, loser = one_winner(post_at_once(posts))

        assert loser.data["code"] == "stale_case"
        fresh = reload(case)
        if winner.user_id == district.dora.pk:
            assert (fresh.state, fresh.assignee, fresh.accepted_at) == (CaseState.ASSIGNED, district.carla, None)
            assert (len(events(case, "reassign")), len(events(case, "resolve"))) == (1, 0)
        else:
            assert (fresh.state, fresh.assignee) == (CaseState.RESOLVED, district.carol)
            assert (len(events(case, "reassign")), len(events(case, "resolve"))) == (0, 1)


def paused_case(district) -> Case:
    """Carol's case with its clock paused until the third working day from today (whatever day the test runs)."""
    case = assigned_case(district)
    calendar = work_calendar()
    expected = calendar.local_date(calendar.add_workdays(timezone.now(), 3).due_at)
    services.case_pause(
        case=case, acting_user=district.carol, needed="请补充材料。", reason="等待材料", expected_date=expected
    )
    return reload(case)


def test_it_lets_only_one_of_two_people_resume_a_paused_case(district):
    for _round in range(ROUNDS):
        case = paused_case(district)
        posts = [
            Post(district.carol.pk, case_url(case, "resume"), {"version": case.version}),
            Post(district.hank.pk, case_url(case, "resume"), {"version": case.version}),
        ]

        winner, loser = one_winner(post_at_once(posts))

        assert loser.data["code"] == "stale_case"
        [resumed] = events(case, "resume")
        assert resumed.actor_id == winner.user_id
        assert DeadlineCycle.objects.filter(case_id=case.pk, started_by="resume").count() == 1
        assert reload(case).version == case.version + 1


def test_it_resumes_once_when_the_enterprise_answers_as_the_assignee_resumes(district):
    for _round in range(ROUNDS):
        case = paused_case(district)
        posts = [
            Post(district.alice.pk, case_url(case, "comments"), {"body": "材料已补充。"}),
            Post(district.carol.pk, case_url(case, "resume"), {}),
        ]

        outcomes = {outcome.user_id: outcome for outcome in post_at_once(posts)}

        assert outcomes[district.alice.pk].status == 201, outcomes
        assert outcomes[district.carol.pk].status in (200, 409), outcomes
        [resumed] = events(case, "resume")
        assert resumed.data["how"] == ("official" if outcomes[district.carol.pk].status == 200 else "enterprise_reply")
        assert DeadlineCycle.objects.filter(case_id=case.pk, kind="resolution", ended_at__isnull=True).count() == 1
        assert reload(case).paused_until is None


def test_it_numbers_thirty_cases_filed_at_once_without_gaps_or_repeats(district):
    filing = {"category": district.infrastructure.pk, "title": "同时提交", "description": "并发提交的诉求。"}
    filers = [district.alice, district.bob] * 5

    outcomes = post_at_once([Post(user.pk, CASES_URL, filing) for user in filers], repeat=3)

    assert [outcome.status for outcome in outcomes] == [201] * 30, [o.data for o in outcomes if o.status != 201]
    year = timezone.localdate().year
    numbers = [outcome.data["number"] for outcome in outcomes]
    assert all(re.fullmatch(rf"QY-{year}-\d{{6}}", number) for number in numbers), numbers
    values = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert values == list(range(values[0], values[0] + 30))
    assert Case.objects.count() == 30
    assert CaseEvent.objects.filter(action="file").count() == 30
    alice_cases = Case.objects.filter(enterprise=district.yixin)
    assert alice_cases.count() == 15
    assert set(alice_cases.values_list("assignee", flat=True)) == {district.carol.pk}
