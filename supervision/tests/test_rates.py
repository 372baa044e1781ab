"""Rates and rankings: every formula of docs/rates.md on a small history built through the services.

Every expected figure is counted by hand in a comment. Deadlines (docs/deadlines.md): a clock of n
working days ends at 17:30 Asia/Shanghai on the n-th working day after the day it starts. Cases are
assigned on Monday 2 November 2026 at 09:00 unless said otherwise, so the response deadline is
Tuesday 3 November 17:30 and the resolution deadline Wednesday 11 November 17:30 (3, 4, 5, 6, 9,
10, 11 November). From Monday 16 November: response Tuesday 17, resolution Wednesday 25, 17:30.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, ResolutionType
from enterprises.models import Role, Unit, UnitKind, UnitMembership
from supervision.rates.periods import period_parse
from workflow import services
from workflow.sweep import pauses_sweep

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision/rates/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY_2 = at(2026, 11, 2, 9)
MONDAY_16 = at(2026, 11, 16, 9)
FRIDAY_20 = at(2026, 11, 20, 12)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def assigned(district, cadre, unit, when: datetime = MONDAY_2) -> Case:
    """Bob files for Hongda (no 包联 cadre, so nothing routes it) and dora assigns it."""
    with travel(when):
        case = services.case_file(
            acting_user=district.bob,
            enterprise=district.hongda,
            category=district.financing,
            title="贷款审批进度",
            description="贷款材料已提交两周，尚无回复。",
        )
        return services.case_assign(case=case, acting_user=district.dora, assignee=cadre, unit=unit)


def act(when: datetime, service, case: Case, **arguments):
    """Run one service at ``when`` on the current row of the case."""
    with travel(when):
        return service(case=Case.objects.get(pk=case.pk), **arguments)


def resolved(when: datetime, case: Case, cadre, kind: str = ResolutionType.SOLVED) -> Case:
    return act(when, services.case_resolve, case, acting_user=cadre, resolution_type=kind, reply="已办理。")


def rated(when: datetime, case: Case, district, satisfaction: int) -> Case:
    return act(when, services.case_close, case, acting_user=district.bob, satisfaction=satisfaction)


def table(district, user, period: str, *, by: str = "unit", when: datetime = FRIDAY_20) -> dict:
    with travel(when):
        response = district.client(user).get(URL, {"period": period, "by": by})
    assert response.status_code == 200, response.data
    return response.data


def unit_row(body: dict, unit: Unit) -> dict:
    (row,) = [row for row in body["rows"] if row["unit"]["id"] == unit.pk]
    return row


def figure(row: dict, metric: str) -> tuple[float, int, float | None]:
    ratio = row["ratios"][metric]
    return ratio["numerator"], ratio["denominator"], ratio["rate"]


def drill(district, user, *, when: datetime = FRIDAY_20, **params) -> list[int]:
    with travel(when):
        response = district.client(user).get(f"{URL}cases/", {"period": "2026-11", "page_size": 100, **params})
    assert response.status_code == 200, response.data
    return sorted(row["case_id"] for row in response.data["results"])


def ids(*cases: Case) -> list[int]:
    return sorted(case.pk for case in cases)


def response_history(district) -> dict[str, list[Case]]:
    """Carol: 3 signed on time, 1 late, 1 withdrawn before signing, 1 assigned on the day we look."""
    carol = district.carol
    on_time = [assigned(district, carol, district.industry) for _ in range(3)]
    late = assigned(district, carol, district.industry)
    withdrawn = assigned(district, carol, district.industry)
    for case in on_time:
        act(at(2026, 11, 2, 10), services.case_accept, case, acting_user=carol)
    act(at(2026, 11, 4, 10), services.case_accept, late, acting_user=carol)  # due Tuesday 3 17:30
    act(at(2026, 11, 2, 11), services.case_withdraw, withdrawn, acting_user=district.bob, reason="已自行解决")
    fresh = assigned(district, carol, district.industry, when=at(2026, 11, 20, 9))  # due Monday 23
    return {"on_time": on_time, "late": [late], "withdrawn": [withdrawn], "fresh": [fresh]}


def test_it_counts_assignments_signed_for_in_time_as_the_response_rate(district):
    response_history(district)

    body = table(district, district.sam, "2026-11")

    # Counted: 3 on time + 1 late. The withdrawn one left carol's hands before its deadline, and
    # Friday's is not yet due: neither is decided. 3 / 4.
    assert figure(unit_row(body, district.industry), "response") == (3, 4, 0.75)
    (carol,) = [row for row in table(district, district.sam, "2026-11", by="cadre")["rows"]]
    assert (carol["cadre"]["username"], carol["unit"]["id"]) == ("carol", district.industry.pk)
    assert figure(carol, "response") == (3, 4, 0.75)
    # Every assignment of the month is one for the send-back rate: 6, none sent back.
    assert figure(unit_row(body, district.industry), "send_back") == (0, 6, 0.0)


def test_it_drills_down_to_exactly_the_cases_behind_a_figure(district):
    history = response_history(district)

    numerator = drill(district, district.sam, metric="response", unit=district.industry.pk)
    denominator = drill(district, district.sam, metric="response", part="denominator", cadre=district.carol.pk)
    assignments = drill(district, district.sam, metric="send_back", part="denominator", unit=district.industry.pk)

    assert numerator == ids(*history["on_time"])
    assert denominator == ids(*history["on_time"], *history["late"])
    assert assignments == ids(*(case for cases in history.values() for case in cases))
    assert drill(district, district.sam, metric="response", unit=district.commerce.pk) == []


def test_it_counts_a_resolution_by_the_extended_deadline_as_on_time(district):
    carol = district.carol
    extended = assigned(district, carol, district.industry)
    late = assigned(district, carol, district.industry)
    early = assigned(district, carol, district.industry)
    with travel(at(2026, 11, 9, 10)):
        extension = services.extension_request_create(
            case=Case.objects.get(pk=extended.pk),
            acting_user=carol,
            requested_due_date=date(2026, 11, 20),
            reason="需要银行复核材料",
        )
        services.extension_decide(extension=extension, acting_user=district.sam, approve=True)
    resolved(at(2026, 11, 16, 10), extended, carol)  # after the 11th, before the extended 20th 17:30
    resolved(at(2026, 11, 12, 10), late, carol)  # due the 11th 17:30
    resolved(at(2026, 11, 5, 10), early, carol)

    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    assert figure(row, "on_time") == (2, 3, pytest.approx(2 / 3))
    assert row["counts"]["extension"] == 1
    assert drill(district, district.sam, metric="on_time", unit=district.industry.pk) == ids(extended, early)
    assert drill(district, district.sam, metric="extension", unit=district.industry.pk) == ids(extended)
    assert figure(unit_row(table(district, district.sam, "2026-10"), district.industry), "on_time") == (0, 0, None)


def test_it_counts_partly_solved_as_half_and_leaves_withdrawn_and_unanswered_ratings_out(district):
    carol, sam = district.carol, district.sam
    ratings = {
        "solved 5": (ResolutionType.SOLVED, 5),
        "solved 4": (ResolutionType.SOLVED, 4),
        "partly 3": (ResolutionType.PARTLY_SOLVED, 3),
        "explained 1": (ResolutionType.EXPLAINED, 1),
    }
    cases = {}
    for name, (kind, satisfaction) in ratings.items():
        cases[name] = resolved(at(2026, 11, 3, 10), assigned(district, carol, district.industry), carol, kind)
        rated(at(2026, 11, 4, 10), cases[name], district, satisfaction)
    by_supervisor = resolved(at(2026, 11, 3, 10), assigned(district, carol, district.industry), carol)
    act(at(2026, 11, 4, 10), services.case_close, by_supervisor, acting_user=sam)
    unanswered = resolved(
        at(2026, 11, 3, 10), assigned(district, carol, district.industry), carol, ResolutionType.EXPLAINED
    )
    with travel(at(2026, 11, 11, 9)):  # the enterprise had until Tuesday 10 17:30
        assert services.case_close_unanswered(case_id=unanswered.pk)
    withdrawn = assigned(district, carol, district.industry)
    act(at(2026, 11, 2, 11), services.case_withdraw, withdrawn, acting_user=district.bob, reason="已自行解决")

    row = unit_row(table(district, sam, "2026-11"), district.industry)

    # Closed, not withdrawn: the 4 rated, the supervisor's and the unanswered = 6.
    # Solved: "solved 5", "solved 4", the supervisor's = 3; partly solved 1 → 3 + ½ = 3.5.
    assert figure(row, "resolution") == (3.5, 6, pytest.approx(3.5 / 6))
    # Rated: 4 (5, 4, 3, 1); satisfied 5, 4 and 3 → 3 / 4. Unanswered apart: 1.
    assert figure(row, "satisfaction") == (3, 4, 0.75)
    assert row["counts"]["no_answer"] == 1
    industry = district.industry.pk
    assert drill(district, sam, metric="resolution", unit=industry) == ids(
        cases["solved 5"], cases["solved 4"], cases["partly 3"], by_supervisor
    )
    assert drill(district, sam, metric="resolution", part="denominator", unit=industry) == ids(
        *cases.values(), by_supervisor, unanswered
    )
    assert drill(district, sam, metric="satisfaction", part="denominator", unit=industry) == ids(*cases.values())
    assert drill(district, sam, metric="no_answer", unit=industry) == ids(unanswered)


def test_it_counts_send_backs_reopens_and_what_is_overdue_now(district):
    carol, dave = district.carol, district.dave
    sent_back, reopened, once, waiting = (assigned(district, carol, district.industry) for _ in range(4))
    act(at(2026, 11, 2, 10), services.case_send_back, sent_back, acting_user=carol, reason="不属于本局职责")
    act(
        at(2026, 11, 2, 11),
        services.case_assign,
        sent_back,
        acting_user=district.dora,
        assignee=dave,
        unit=district.commerce,
    )
    resolved(at(2026, 11, 3, 10), reopened, carol)
    act(at(2026, 11, 4, 10), services.case_reopen, reopened, acting_user=district.bob, reason="问题仍未解决")
    resolved(at(2026, 11, 5, 10), reopened, carol)
    resolved(at(2026, 11, 3, 10), once, carol)
    friday_13 = at(2026, 11, 13, 12)  # past the resolution deadline of the 11th

    body = table(district, district.sam, "2026-11", when=friday_13)

    industry = unit_row(body, district.industry)
    assert figure(industry, "send_back") == (1, 4, 0.25)
    # Cases resolved: ``reopened`` (twice, one case) and ``once``: 2, one of them reopened.
    assert figure(industry, "reopen") == (1, 2, 0.5)
    # Due in November: ``reopened`` (both its deadlines met), ``once``, and ``waiting``, which sits past
    # its deadline of the 11th unresolved: missed. ``sent_back`` left before its deadline: not counted. 2 / 3.
    assert figure(industry, "on_time") == (2, 3, pytest.approx(2 / 3))
    # ``waiting`` was never signed for and is past its response deadline: decided, and failed.
    # ``sent_back`` left before its deadline: not counted. 2 / 3.
    assert figure(industry, "response") == (2, 3, pytest.approx(2 / 3))
    assert industry["counts"]["overdue"] == 1
    # Dave got the returned case on Monday 11:00; due the 11th as well.
    commerce = unit_row(body, district.commerce)
    assert (figure(commerce, "send_back"), commerce["counts"]["overdue"]) == ((0, 1, 0.0), 1)
    assert figure(commerce, "on_time") == (0, 1, 0.0)
    unit = district.industry.pk
    assert drill(district, district.sam, when=friday_13, metric="overdue", unit=unit) == ids(waiting)
    assert drill(district, district.sam, when=friday_13, metric="send_back", unit=unit) == ids(sent_back)
    assert drill(district, district.sam, when=friday_13, metric="reopen", unit=unit) == ids(reopened)
    assert drill(district, district.sam, when=friday_13, metric="reopen", part="denominator", unit=unit) == ids(
        reopened, once
    )
    assert drill(district, district.sam, when=friday_13, metric="on_time", unit=unit) == ids(reopened, once)
    assert drill(district, district.sam, when=friday_13, metric="on_time", part="denominator", unit=unit) == ids(
        reopened, once, waiting
    )


def test_it_gives_no_rate_rather_than_zero_without_data(district):
    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    assert all(ratio == {"numerator": 0, "denominator": 0, "rate": None} for ratio in row["ratios"].values())
    assert (row["score"], row["rank"], row["missing"]) == (
        None,
        None,
        ["response", "on_time", "resolution", "satisfaction"],
    )
    assert row["counts"] == {
        "extension": 0,
        "paused": 0,
        "overdue": 0,
        "no_answer": 0,
        "appeal_upheld": 0,
        "rectification_overdue": 0,
        "recheck_failed": 0,
    }


def test_it_gives_no_resolution_or_satisfaction_rate_when_everything_was_withdrawn(district):
    for _ in range(2):
        case = assigned(district, district.carol, district.industry)
        act(at(2026, 11, 2, 11), services.case_withdraw, case, acting_user=district.bob, reason="已自行解决")

    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    assert figure(row, "resolution") == (0, 0, None)
    assert figure(row, "satisfaction") == (0, 0, None)
    assert figure(row, "response") == (0, 0, None)  # withdrawn before the deadline
    assert figure(row, "send_back") == (0, 2, 0.0)
    assert row["score"] is None


def test_it_places_periods_by_the_day_in_shanghai(district):
    carol = district.carol
    last_evening = resolved(at(2026, 11, 30, 10), assigned(district, carol, district.industry, MONDAY_16), carol)
    midnight = resolved(at(2026, 11, 30, 10), assigned(district, carol, district.industry, MONDAY_16), carol)
    assert at(2026, 11, 30, 23, 30) == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    rated(at(2026, 11, 30, 23, 30), last_evening, district, 5)
    rated(at(2026, 12, 1), midnight, district, 5)

    closed = {
        period: figure(
            unit_row(table(district, district.sam, period, when=at(2026, 12, 2)), district.industry), "resolution"
        )[1]
        for period in ("2026-10", "2026-11", "2026-12", "2026-Q4", "2026-Q3", "2026", "2025")
    }

    assert closed == {"2026-10": 0, "2026-11": 1, "2026-12": 1, "2026-Q4": 2, "2026-Q3": 0, "2026": 2, "2025": 0}
    assert drill(district, district.sam, when=at(2026, 12, 2), metric="resolution", period="2026-11") == ids(
        last_evening
    )
    assert (period_parse("2026-Q4").start, period_parse("2026-Q4").end) == (at(2026, 10, 1), at(2027, 1, 1))
    assert (period_parse("2026-12").start, period_parse("2026-12").end) == (at(2026, 12, 1), at(2027, 1, 1))
    assert (period_parse("2026").start, period_parse("2026").end) == (at(2026, 1, 1), at(2027, 1, 1))
    for impossible in ("2026-13", "9999-Q4", "0000"):
        with travel(at(2026, 12, 2)):
            refused = district.client(district.sam).get(URL, {"period": impossible})
        assert (refused.status_code, refused.data["code"], list(refused.data["fields"])) == (400, "period", ["period"])


def ranked_history(district) -> Unit:
    """Four units, one case each, assigned Monday 16 (response due Tuesday 17, resolution Wednesday 25).

    industry: signed in time, resolved late  → response 1, on time 0 → (0.2·1 + 0.3·0) / 0.5 = 40
    commerce: signed late, resolved in time  → response 0, on time 1 → (0.2·0 + 0.3·1) / 0.5 = 60
    street:   signed in time, resolved in time → 100
    town:     signed late, resolved late       → 0
    Nothing was closed: resolution and satisfaction have no data, so the weights are renormalised.
    """
    User = get_user_model()
    town = Unit.objects.create(name="城关镇", kind=UnitKind.TOWNSHIP, parent=district.district)
    tina = User.objects.create_user(username="tina", first_name="田娜")
    tom = User.objects.create_user(username="tom", first_name="汤姆")
    UnitMembership.objects.create(user=tina, unit=district.township, role=Role.CADRE)
    UnitMembership.objects.create(user=tom, unit=town, role=Role.CADRE)
    plan = [
        (district.carol, district.industry, at(2026, 11, 16, 10), at(2026, 11, 26, 10)),
        (district.dave, district.commerce, at(2026, 11, 18, 10), at(2026, 11, 19, 10)),
        (tina, district.township, at(2026, 11, 16, 10), at(2026, 11, 19, 10)),
        (tom, town, at(2026, 11, 18, 10), at(2026, 11, 26, 10)),
    ]
    for cadre, unit, signed, done in plan:
        case = assigned(district, cadre, unit, MONDAY_16)
        act(signed, services.case_accept, case, acting_user=cadre)
        resolved(done, case, cadre)
    return town


def test_it_ranks_bureaus_apart_from_townships_and_streets(district):
    town = ranked_history(district)

    body = table(district, district.leo, "2026-11", when=at(2026, 11, 27, 12))

    ranks = {row["unit"]["name"]: (row["tier"], row["rank"], row["score"]) for row in body["rows"]}
    assert ranks == {
        district.commerce.name: ("bureau", 1, 60.0),
        district.industry.name: ("bureau", 2, 40.0),
        district.industry_office.name: ("bureau", None, None),
        district.township.name: ("local", 1, 100.0),
        town.name: ("local", 2, 0.0),
    }
    assert [row["unit"]["name"] for row in body["rows"]][:2] == [district.commerce.name, district.industry.name]
    assert unit_row(body, district.industry)["missing"] == ["resolution", "satisfaction"]
    assert body["weights"] == {
        "response": 0.2,
        "on_time": 0.3,
        "resolution": 0.2,
        "satisfaction": 0.3,
        "visit_coverage": 0.0,  # a figure of its own, out of the score unless weighted
    }
    assert set(body["formulas"]) >= {"response", "on_time", "resolution", "satisfaction", "score"}
    cadres = table(district, district.leo, "2026-11", by="cadre", when=at(2026, 11, 27, 12))["rows"]
    assert [(row["cadre"]["username"], row["tier"], row["rank"]) for row in cadres] == [
        ("dave", "bureau", 1),
        ("carol", "bureau", 2),
        ("tina", "local", 1),
        ("tom", "local", 2),
    ]


def test_it_takes_the_weights_from_settings(district, settings):
    ranked_history(district)
    settings.HUIYIN = {**settings.HUIYIN, "RANKING_WEIGHTS": {"response": 0.8, "on_time": 0.2}}

    body = table(district, district.sam, "2026-11", when=at(2026, 11, 27, 12))

    # industry 0.8·1 + 0.2·0 = 80, commerce 0.8·0 + 0.2·1 = 20; unweighted rates are not missing.
    bureaus = [(row["unit"]["id"], row["rank"], row["score"]) for row in body["rows"] if row["tier"] == "bureau"]
    assert bureaus[:2] == [(district.industry.pk, 1, 80.0), (district.commerce.pk, 2, 20.0)]
    assert unit_row(body, district.industry)["missing"] == []


def test_it_shows_an_overseer_only_the_units_of_their_jurisdiction(district):
    response_history(district)

    body = table(district, district.otto, "2026-11")
    with travel(at(2026, 11, 20, 12)):
        drilled = district.client(district.otto).get(
            f"{URL}cases/", {"period": "2026-11", "metric": "response", "unit": district.industry.pk}
        )
        everything = district.client(district.otto).get(f"{URL}cases/", {"period": "2026-11", "metric": "response"})

    assert [row["unit"]["id"] for row in body["rows"]] == [district.other_bureau.pk]
    assert (drilled.status_code, drilled.data["code"]) == (403, "permission_denied")
    assert everything.data["count"] == 0
    dispatcher = {row["unit"]["id"] for row in table(district, district.dora, "2026-11")["rows"]}
    assert {district.industry.pk, district.other_bureau.pk} <= dispatcher


def test_it_refuses_cadres_and_unit_heads(district):
    for user in (district.carol, district.hank, district.alice):
        response = district.client(user).get(URL, {"period": "2026-11"})
        assert (response.status_code, response.data["code"]) == (403, "permission_denied")
        assert response.data["message"] == "只有督查人员、包保领导和调度员可以查看考核指标和排名。"
        english = district.client(user).get(URL, {"period": "2026-11"}, HTTP_ACCEPT_LANGUAGE="en")
        assert english.data["message"] == "Only supervisors, leaders and dispatchers can see rates and rankings."
    assert district.client().get(URL).status_code == 401


def test_it_computes_the_table_in_a_constant_number_of_queries(district):
    User = get_user_model()

    def add_units(count: int) -> None:
        for number in range(count):
            unit = Unit.objects.create(name=f"局{Unit.objects.count()}", kind=UnitKind.BUREAU, parent=district.district)
            cadre = User.objects.create_user(username=f"cadre{unit.pk}")
            UnitMembership.objects.create(user=cadre, unit=unit, role=Role.CADRE)
            case = resolved(at(2026, 11, 3, 10), assigned(district, cadre, unit), cadre)
            rated(at(2026, 11, 4, 10), case, district, 5 - number % 3)

    def queries(by: str) -> tuple[int, int]:
        """Queries and rows; sam is loaded anew, as a request does, so his roles see the new units."""
        sam = User.objects.get(pk=district.sam.pk)
        with travel(FRIDAY_20), CaptureQueriesContext(connection) as captured:
            response = district.client(sam).get(URL, {"period": "2026-11", "by": by})
        assert response.status_code == 200
        return len(captured), len([row for row in response.data["rows"] if row["score"] is not None])

    add_units(2)
    two = (queries("unit"), queries("cadre"))
    add_units(4)
    six = (queries("unit"), queries("cadre"))

    # The user's roles (with the unit tree), the four grouped counts (clocks, closed cases,
    # rectifications, 包保 periods), then the units; by cadre, the units and the people.
    assert two == ((6, 2), (7, 2))
    assert six == ((6, 6), (7, 6))


# --- the on-time rate as a supervision office counts it (按期办结数 / 应办结数) ------------------------------


def test_it_counts_unfinished_overdue_cases_as_missed_and_ranks_the_unit_that_finished_everything_first(district):
    """Industry resolves 1 of 5 on time and sits on 4 overdue; Commerce resolves all 5, one a day late.

    All ten are assigned Monday 2 November and signed for at once: resolution due Wednesday 11, 17:30.
    Counting by hand on Friday 20: Industry 1 / 5, Commerce 4 / 5, so Commerce ranks first.
    """
    carol, dave = district.carol, district.dave
    industry = [assigned(district, carol, district.industry) for _ in range(5)]
    commerce = [assigned(district, dave, district.commerce) for _ in range(5)]
    for case, cadre in [*((case, carol) for case in industry), *((case, dave) for case in commerce)]:
        act(at(2026, 11, 2, 10), services.case_accept, case, acting_user=cadre)
    resolved(at(2026, 11, 10, 10), industry[0], carol)
    for case in commerce[:4]:
        resolved(at(2026, 11, 10, 10), case, dave)
    resolved(at(2026, 11, 12, 10), commerce[4], dave)  # a day late

    body = table(district, district.sam, "2026-11")

    assert figure(unit_row(body, district.industry), "on_time") == (1, 5, 0.2)
    assert figure(unit_row(body, district.commerce), "on_time") == (4, 5, 0.8)
    bureaus = [row["unit"]["id"] for row in body["rows"] if row["tier"] == "bureau" and row["rank"] is not None]
    assert bureaus == [district.commerce.pk, district.industry.pk]
    assert drill(district, district.sam, metric="on_time", unit=district.industry.pk) == ids(industry[0])
    assert drill(district, district.sam, metric="on_time", part="denominator", unit=district.industry.pk) == ids(
        *industry
    )
    assert drill(district, district.sam, metric="on_time", unit=district.commerce.pk) == ids(*commerce[:4])
    with travel(FRIDAY_20):
        rows = (
            district.client(district.sam)
            .get(
                f"{URL}cases/",
                {"period": "2026-11", "metric": "on_time", "part": "denominator", "unit": district.commerce.pk},
            )
            .data["results"]
        )
    late = [row for row in rows if row["breached"]]
    assert [(row["case_id"], row["resolved_at"]) for row in late] == [(commerce[4].pk, "2026-11-12T10:00:00+08:00")]
    assert {row["at"] for row in rows} == {"2026-11-11T17:30:00+08:00"}


def test_it_counts_a_case_in_every_period_it_sits_past_its_deadline_and_an_early_answer_in_the_month_it_is_due(
    district,
):
    carol = district.carol
    # Assigned Monday 19 October, due Wednesday 28 October (20, 21, 22, 23, 26, 27, 28), never resolved.
    stuck = assigned(district, carol, district.industry, when=at(2026, 10, 19, 9))
    # Assigned Friday 20 November, due Tuesday 1 December, answered early on Monday 23 November.
    early = assigned(district, carol, district.industry, when=at(2026, 11, 20, 9))
    resolved(at(2026, 11, 23, 10), early, carol)
    december_3 = at(2026, 12, 3, 12)

    counted = {
        period: figure(unit_row(table(district, district.sam, period, when=december_3), district.industry), "on_time")
        for period in ("2026-10", "2026-11", "2026-12", "2026-Q4")
    }

    assert counted == {"2026-10": (0, 1, 0.0), "2026-11": (0, 1, 0.0), "2026-12": (1, 2, 0.5), "2026-Q4": (1, 2, 0.5)}
    assert drill(district, district.sam, when=december_3, metric="on_time", period="2026-12") == ids(early)
    assert drill(
        district, district.sam, when=december_3, metric="on_time", part="denominator", period="2026-11"
    ) == ids(stuck)


def test_it_counts_a_reopened_case_once_and_late_when_its_second_answer_is_late(district):
    carol = district.carol
    reopened = assigned(district, carol, district.industry)  # due Wednesday 11
    resolved(at(2026, 11, 3, 10), reopened, carol)
    act(at(2026, 11, 4, 10), services.case_reopen, reopened, acting_user=district.bob, reason="问题仍未解决")
    # Five working days from Wednesday 4: due Wednesday 11 again; answered Thursday 12.
    resolved(at(2026, 11, 12, 10), reopened, carol)

    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    assert figure(row, "on_time") == (0, 1, 0.0)
    assert figure(row, "reopen") == (1, 1, 1.0)
    with travel(FRIDAY_20):
        (only,) = (
            district.client(district.sam)
            .get(f"{URL}cases/", {"period": "2026-11", "metric": "on_time", "part": "denominator"})
            .data["results"]
        )
    assert (only["case_id"], only["deadlines"], only["breached"]) == (reopened.pk, 2, True)


def test_it_keeps_a_missed_deadline_missed_when_more_time_is_approved_after_it(district):
    carol = district.carol
    case = assigned(district, carol, district.industry)  # due Wednesday 11
    with travel(at(2026, 11, 12, 10)):
        extension = services.extension_request_create(
            case=Case.objects.get(pk=case.pk),
            acting_user=carol,
            requested_due_date=date(2026, 11, 18),
            reason="补充材料",
        )
        services.extension_decide(extension=extension, acting_user=district.sam, approve=True)
    resolved(at(2026, 11, 16, 10), case, carol)  # before the extended date

    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    # The deadline of the 11th passed unmet before the extension: the case is late, counted once.
    assert figure(row, "on_time") == (0, 1, 0.0)
    assert row["counts"]["extension"] == 1


def paused(when: datetime, case: Case, cadre, expected_date: date) -> Case:
    return act(
        when,
        services.case_pause,
        case,
        acting_user=cadre,
        needed="请补充提供贷款担保材料。",
        reason="银行需担保材料方可复核。",
        expected_date=expected_date,
    )


def test_it_counts_paused_cases_and_judges_them_on_their_resumed_clock(district):
    """Three cases due Wednesday 11 November 17:30. ``waited`` is paused on Monday 9 until Friday 13 with two
    working days left (10, 11), resumed by the sweep from Friday's close (due Tuesday 17) and resolved Monday
    16: on time. ``late`` is resolved on Thursday 12. ``paused_late`` is paused on Thursday 12, already late,
    and resolved after the enterprise answered: its missed deadline stays missed."""
    carol = district.carol
    waited, late, paused_late = (assigned(district, carol, district.industry) for _ in range(3))
    paused(at(2026, 11, 9, 10), waited, carol, date(2026, 11, 13))
    resolved(at(2026, 11, 12, 10), late, carol)
    paused(at(2026, 11, 12, 10), paused_late, carol, date(2026, 11, 16))
    act(at(2026, 11, 13, 10), services.comment_add, paused_late, acting_user=district.bob, body="担保材料已上传。")
    overdue_during_the_pause = unit_row(
        table(district, district.sam, "2026-11", when=at(2026, 11, 13, 12)), district.industry
    )
    with travel(at(2026, 11, 16, 9)):
        assert pauses_sweep(at(2026, 11, 16, 9)).resumed == 1
    assert Case.objects.get(pk=waited.pk).resolution_due_at == at(2026, 11, 17, 17, 30)
    resolved(at(2026, 11, 16, 14), waited, carol)
    resolved(at(2026, 11, 16, 15), paused_late, carol)

    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    assert overdue_during_the_pause["counts"]["overdue"] == 0  # paused time is not late time
    assert figure(row, "on_time") == (1, 3, pytest.approx(1 / 3))
    assert drill(district, district.sam, metric="on_time", unit=district.industry.pk) == ids(waited)
    assert row["counts"]["paused"] == 2
    assert drill(district, district.sam, metric="paused", unit=district.industry.pk) == ids(waited, paused_late)
    assert drill(district, district.sam, metric="paused", cadre=carol.pk) == ids(waited, paused_late)
    # The clocks are facts: the same month read weeks later gives the same answer.
    later = unit_row(table(district, district.sam, "2026-11", when=at(2026, 12, 15, 10)), district.industry)
    assert (figure(later, "on_time"), later["counts"]["paused"]) == (figure(row, "on_time"), 2)
    assert unit_row(table(district, district.sam, "2026-10"), district.industry)["counts"]["paused"] == 0


def test_it_keeps_a_breach_with_the_unit_that_held_the_case_when_the_deadline_passed(district):
    carol, dave = district.carol, district.dave
    case = assigned(district, carol, district.industry)  # due Wednesday 11
    # Friday 13, two days late, the dispatcher gives it to the Commerce Bureau: a clock of its own,
    # seven working days from Friday 13: Tuesday 24 November.
    act(
        at(2026, 11, 13, 10),
        services.case_reassign,
        case,
        acting_user=district.dora,
        assignee=dave,
        unit=district.commerce,
    )
    resolved(at(2026, 11, 18, 10), case, dave)

    body = table(district, district.sam, "2026-11", when=at(2026, 11, 27, 12))

    assert figure(unit_row(body, district.industry), "on_time") == (0, 1, 0.0)
    assert figure(unit_row(body, district.commerce), "on_time") == (1, 1, 1.0)
    assert drill(
        district,
        district.sam,
        when=at(2026, 11, 27, 12),
        metric="on_time",
        part="denominator",
        unit=district.industry.pk,
    ) == ids(case)


# --- which ratings count as satisfied -------------------------------------------------------------------


def rated_history(district) -> None:
    """Five cases rated 5, 4, 3, 2 and 1 on Wednesday 4 November."""
    carol = district.carol
    for satisfaction in (5, 4, 3, 2, 1):
        case = resolved(at(2026, 11, 3, 10), assigned(district, carol, district.industry), carol)
        rated(at(2026, 11, 4, 10), case, district, satisfaction)


def test_it_counts_the_satisfied_ratings_the_settings_name_and_says_so_in_the_formula(district, settings):
    rated_history(district)

    default = table(district, district.sam, "2026-11")
    settings.HUIYIN = {**settings.HUIYIN, "SATISFIED_RATINGS": ["5", "4"]}
    strict = table(district, district.sam, "2026-11")

    assert figure(unit_row(default, district.industry), "satisfaction") == (3, 5, 0.6)
    assert figure(unit_row(strict, district.industry), "satisfaction") == (2, 5, 0.4)
    assert default["formulas"]["satisfaction"].startswith("满意率：（非常满意 + 满意 + 基本满意）")
    assert strict["formulas"]["satisfaction"].startswith("满意率：（非常满意 + 满意）")
    assert figure(unit_row(default, district.industry), "good_rating") == (2, 5, 0.4)
    assert "好评率" in default["formulas"]["good_rating"]
    assert drill(district, district.sam, metric="good_rating", unit=district.industry.pk) == sorted(
        Case.objects.filter(satisfaction__in=[5, 4]).values_list("pk", flat=True)
    )


def test_it_refuses_a_setting_that_names_no_real_rating(district, settings):
    settings.HUIYIN = {**settings.HUIYIN, "SATISFIED_RATINGS": ["6"]}

    with pytest.raises(ImproperlyConfigured):
        table(district, district.sam, "2026-11")


def test_it_leaves_a_merged_duplicate_out_of_every_figure_and_its_drill_down(district):
    kept = assigned(district, district.carol, district.industry)
    duplicate = assigned(district, district.carol, district.industry)
    act(at(2026, 11, 2, 10), services.case_accept, kept, acting_user=district.carol)
    # Merged on Thursday 5, after its response deadline (Tuesday 3, 17:30) passed unsigned.
    act(at(2026, 11, 5, 10), services.case_merge, duplicate, into=kept, acting_user=district.dora)

    row = unit_row(table(district, district.sam, "2026-11"), district.industry)

    # Only the kept case: signed for in time 1 / 1; one assignment, not two; one case past its resolution
    # deadline (Wednesday 11), the kept one: the duplicate's clocks stopped when it was merged.
    assert figure(row, "response") == (1, 1, 1.0)
    assert figure(row, "send_back") == (0, 1, 0.0)
    assert row["counts"]["overdue"] == 1
    assert drill(district, district.sam, metric="overdue", unit=district.industry.pk) == ids(kept)
    assert drill(district, district.sam, metric="response", part="denominator", unit=district.industry.pk) == ids(kept)
    assert drill(district, district.sam, metric="send_back", part="denominator", unit=district.industry.pk) == ids(kept)
