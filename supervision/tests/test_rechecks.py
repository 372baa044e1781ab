"""The monthly re-check (复查) of closed cases: the reproducible draw, the sample API, and what a result does.

History: cases of Hongda (bob files, no 包联 cadre, so dora assigns them) are assigned on Monday
12 October 2026, resolved on Tuesday 13 and closed in October unless said otherwise. The sample of
October is drawn on Saturday 21 November; re-checks are recorded on Monday 23 November at 10:00, so a
reopened case's new resolution clock (5 working days after a reopen) ends Monday 30 November 17:30.
"""

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from cases.models import Case, CaseEvent, CaseState, Closure, EventAction, ResolutionType
from core.errors import Conflict, NotPermitted
from enterprises.models import Enterprise, EnterpriseContact, Role, UnitMembership
from notifications.models import Notification
from supervision.ratings import services as ratings
from supervision.ratings.models import Rectification, RectificationState
from supervision.rechecks import services as recheck_services
from supervision.rechecks.models import RecheckItem, RecheckSample
from supervision.rechecks.sampling import Candidate, draw, population_digest, sample_size
from workflow import services
from workflow.models import ClockKind, DeadlineCycle
from workflow.services import case_reopen_after_recheck

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision/rechecks/"
RATES_URL = "/api/v1/supervision/rates/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


CLOSED_AT = at(2026, 10, 14, 10)
DRAWN_AT = at(2026, 11, 21, 10)
CHECKED_AT = at(2026, 11, 23, 10)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def act(when: datetime, service, case: Case, **arguments) -> Case:
    with travel(when):
        return service(case=Case.objects.get(pk=case.pk), **arguments)


def assigned(district, cadre, unit, *, contact=None, enterprise=None, day: int = 12, month: int = 10) -> Case:
    with travel(at(2026, month, day, 9)):
        case = services.case_file(
            acting_user=contact or district.bob,
            enterprise=enterprise or district.hongda,
            category=district.financing,
            title="贷款审批进度",
            description="贷款材料已提交两周，尚无回复。",
        )
        return services.case_assign(case=case, acting_user=district.dora, assignee=cadre, unit=unit)


def closed(district, cadre, unit, *, closed_at: datetime = CLOSED_AT, **placement) -> Case:
    """Assigned, resolved as solved the next day, and confirmed with a rating at ``closed_at``."""
    case = assigned(district, cadre, unit, **placement)
    resolved_at = at(2026, closed_at.month, closed_at.day, 9) if placement.get("month") else at(2026, 10, 13, 10)
    act(resolved_at, services.case_resolve, case, acting_user=cadre, resolution_type="solved", reply="已办理。")
    contact = placement.get("contact") or district.bob
    return act(closed_at, services.case_close, case, acting_user=contact, satisfaction=5)


def october(district) -> dict[str, list[Case]]:
    """Sam's October: what the population holds and what it leaves out."""
    carol, industry = district.carol, district.industry
    confirmed = [closed(district, carol, industry) for _ in range(3)]
    office = [closed(district, district.carla, district.industry_office)]
    commerce = [closed(district, district.dave, district.commerce)]

    unanswered = assigned(district, carol, industry)
    act(
        at(2026, 10, 13, 10),
        services.case_resolve,
        unanswered,
        acting_user=carol,
        resolution_type="solved",
        reply="已办理。",
    )
    with travel(at(2026, 10, 21, 10)):  # the enterprise had until Tuesday 20 October 17:30
        services.case_close_unanswered(case_id=unanswered.pk)

    by_supervisor = assigned(district, carol, industry)
    act(
        at(2026, 10, 13, 10),
        services.case_resolve,
        by_supervisor,
        acting_user=carol,
        resolution_type="explained",
        reply="已解释。",
    )
    act(at(2026, 10, 22, 10), services.case_close, by_supervisor, acting_user=district.sam)

    withdrawn = assigned(district, carol, industry)
    act(at(2026, 10, 13, 10), services.case_withdraw, withdrawn, acting_user=district.bob, reason="已自行解决")
    still_open = [assigned(district, carol, industry)]
    november = [closed(district, carol, industry, closed_at=at(2026, 11, 3, 10), day=2, month=11)]
    return {
        "drawable": [*confirmed, *office, *commerce, unanswered, by_supervisor],
        "industry": [*confirmed, unanswered, by_supervisor],
        "office": office,
        "commerce": commerce,
        "left_out": [withdrawn, *still_open, *november],
    }


def neighbouring_district(district):
    """Otto's side: a cadre of the neighbouring bureau and an enterprise of that district, one October closure."""
    User = get_user_model()
    olga = User.objects.create_user(username="olga", password="x", first_name="欧佳")
    UnitMembership.objects.create(user=olga, unit=district.other_bureau, role=Role.CADRE)
    neighbour = Enterprise.objects.create(
        name="邻区建材有限公司", credit_code="91230100MA1BXXXX0A", township=district.other_district
    )
    nina = User.objects.create_user(username="nina", password="x")
    EnterpriseContact.objects.create(user=nina, enterprise=neighbour)
    return closed(district, olga, district.other_bureau, contact=nina, enterprise=neighbour)


def drawn(district, user=None, *, when: datetime = DRAWN_AT, **payload):
    with travel(when):
        return district.client(user or district.sam).post(URL, payload, format="json", HTTP_ACCEPT_LANGUAGE="en")


def item_case_ids(body: dict) -> list[int]:
    return [item["case"]["id"] for item in body["items"]]


def record(district, sample_id: int, item_id: int, user=None, *, when: datetime = CHECKED_AT, **payload):
    with travel(when):
        return district.client(user or district.sam).post(
            f"{URL}{sample_id}/items/{item_id}/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )


def population(cases: list[Case]) -> list[Candidate]:
    return [
        Candidate(case_id=case.pk, unit_id=case.responsible_unit_id, assignee_id=case.assignee_id) for case in cases
    ]


# --- the draw itself, without the database ------------------------------------------------------------------


def synthetic(sizes: dict[int, int]) -> list[Candidate]:
    """``sizes`` cases per unit id, with case ids numbered on."""
    case_ids = iter(range(1, 10_000))
    return [
        Candidate(case_id=next(case_ids), unit_id=unit_id, assignee_id=None)
        for unit_id, size in sizes.items()
        for _ in range(size)
    ]


@pytest.mark.django_db(False)
def test_it_draws_the_same_cases_from_the_same_seed_whatever_the_order_of_the_population():
    cases = synthetic({1: 120, 2: 30, 3: 50})
    shuffled = cases[:]
    random.Random(7).shuffle(shuffled)

    first = draw(cases, seed=20261101, rate_percent=5)

    assert first == draw(shuffled, seed=20261101, rate_percent=5)
    assert len(first) == 10  # 5 % of 200


@pytest.mark.django_db(False)
def test_it_draws_other_cases_from_another_seed():
    cases = synthetic({1: 200})

    samples = {
        tuple(sorted(candidate.case_id for candidate in draw(cases, seed=seed, rate_percent=5))) for seed in range(5)
    }

    # Ten of two hundred: five seeds giving the same ten would be a broken draw, not bad luck.
    assert len(samples) == 5


@pytest.mark.django_db(False)
def test_it_draws_at_least_one_case_of_every_unit_counting_them_toward_the_rate():
    cases = synthetic({1: 60, 2: 1, 3: 1, 4: 2})

    sample = draw(cases, seed=3, rate_percent=5)

    assert {candidate.unit_id for candidate in sample} == {1, 2, 3, 4}
    assert len(sample) == 4  # 5 % of 64 is 4 (3.2 rounded up); the four units' picks fill it
    assert len(draw(synthetic({1: 99, 2: 1}), seed=3, rate_percent=5)) == 5  # 5 % of 100


@pytest.mark.django_db(False)
def test_it_rounds_the_rate_up():
    assert sample_size(20, 5) == 1
    assert sample_size(21, 5) == 2
    assert sample_size(1, 5) == 1
    assert sample_size(7, 100) == 7
    assert sample_size(0, 5) == 0


# --- drawing through the API ---------------------------------------------------------------------------------


def test_it_draws_last_months_sample_from_the_cases_closed_in_the_jurisdiction(district):
    history = october(district)
    neighbouring_district(district)

    response = drawn(district, seed=42)

    assert response.status_code == 201, response.data
    body = response.data
    drawable = history["drawable"]
    assert body["period"] == "2026-10"
    assert (body["jurisdiction"]["id"], body["seed"], body["rate_percent"]) == (district.district.pk, 42, 5)
    # Confirmed, unanswered and supervisor-closed cases count; withdrawn, open, November's and otto's do not.
    assert body["population_size"] == len(drawable) == 7
    assert body["population_digest"] == population_digest(case.pk for case in drawable)
    assert body["drawn_by"]["username"] == "sam"
    assert (body["items_count"], body["pending_count"], body["failed_count"]) == (3, 3, 0)
    # 5 % of 7 is one case, but each of the three units that closed cases gets one.
    units = {item["unit"]["id"] for item in body["items"]}
    assert units == {district.industry.pk, district.industry_office.pk, district.commerce.pk}
    assert item_case_ids(body) == [c.case_id for c in draw(population(drawable), seed=42, rate_percent=5)]


def test_it_draws_the_same_sample_from_the_same_seed_and_records_a_random_seed_otherwise(district):
    october(district)

    with_seed = drawn(district, seed=42, rate_percent=50).data
    RecheckSample.objects.all().delete()
    again = drawn(district, seed=42, rate_percent=50).data
    RecheckSample.objects.all().delete()
    random_seed = drawn(district, rate_percent=50).data

    assert item_case_ids(again) == item_case_ids(with_seed)
    assert len(item_case_ids(with_seed)) == 4  # 50 % of 7, rounded up
    assert random_seed["seed"] != 42
    assert RecheckSample.objects.get().seed == random_seed["seed"]


def test_it_takes_the_default_rate_from_settings(district, settings):
    history = october(district)
    settings.HUIYIN = {**settings.HUIYIN, "RECHECK_RATE_PERCENT": 100}

    body = drawn(district).data

    assert body["rate_percent"] == 100
    assert sorted(item_case_ids(body)) == sorted(case.pk for case in history["drawable"])


def test_it_refuses_a_second_sample_for_the_same_month(district):
    october(district)
    drawn(district, period="2026-10")

    response = drawn(district, period="2026-10", seed=1)

    assert response.status_code == 409
    assert response.data["code"] == "sample_exists"
    assert "already drawn; there is one per month" in response.data["message"]
    assert RecheckSample.objects.count() == 1


def test_it_refuses_the_second_of_two_draws_at_the_same_moment(district, monkeypatch):
    october(district)
    population = recheck_services.recheck_population

    def another_supervisor_draws_meanwhile(**arguments):
        found = population(**arguments)
        samples_of(district, [Case.objects.get(pk=found[0].case_id)], ["2026-10"])
        return found

    monkeypatch.setattr(recheck_services, "recheck_population", another_supervisor_draws_meanwhile)

    response = drawn(district, period="2026-10")

    assert response.status_code == 409
    assert response.data["code"] == "sample_exists"
    assert RecheckItem.objects.count() == 1


def test_it_refuses_an_empty_month_and_records_nothing(district):
    october(district)

    response = drawn(district, period="2026-09")

    assert response.status_code == 409
    assert response.data["code"] == "empty_population"
    assert "nothing to re-check" in response.data["message"]
    assert not RecheckSample.objects.exists()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"period": "2026-11"}, "period_not_over"),
        ({"period": "2026-Q3"}, "period"),
        ({"period": "October"}, "period"),
        ({"rate_percent": 0}, "invalid"),
        ({"rate_percent": 101}, "invalid"),
        ({"seed": -1}, "invalid"),
    ],
)
def test_it_refuses_a_month_that_is_not_over_and_bad_rates_or_seeds(district, payload, code):
    october(district)

    response = drawn(district, **payload)

    assert response.status_code == 400
    assert response.data["code"] == code
    assert not RecheckSample.objects.exists()


def test_it_does_not_draw_a_case_twice_for_one_month_when_jurisdictions_overlap(district):
    """Tess supervises the street office only; sam's district contains it."""
    User = get_user_model()
    tess = User.objects.create_user(username="tess", password="x")
    tina = User.objects.create_user(username="tina", password="x")
    UnitMembership.objects.create(user=tess, unit=district.township, role=Role.SUPERVISOR)
    UnitMembership.objects.create(user=tina, unit=district.township, role=Role.CADRE)
    street = closed(district, tina, district.township)
    bureau = closed(district, district.carol, district.industry)

    by_tess = drawn(district, tess, rate_percent=100).data
    by_sam = drawn(district, rate_percent=100).data

    assert item_case_ids(by_tess) == [street.pk]
    assert (item_case_ids(by_sam), by_sam["population_size"]) == ([bureau.pk], 1)
    # Each sees the samples of their own jurisdiction, sam also the street office's inside it.
    assert [row["id"] for row in district.client(tess).get(URL).data["results"]] == [by_tess["id"]]
    assert len(district.client(district.sam).get(URL).data["results"]) == 2


def test_it_lets_only_supervisors_draw_and_only_for_their_own_jurisdiction(district):
    october(district)

    refused = {
        user.username: drawn(district, user).status_code
        for user in (district.alice, district.carol, district.hank, district.dora, district.leo)
    }
    foreign = drawn(district, district.otto, jurisdiction=district.district.pk)

    assert refused == {"alice": 403, "carol": 403, "hank": 403, "dora": 403, "leo": 403}
    assert foreign.status_code == 403
    assert foreign.data["code"] == "not_your_jurisdiction"
    assert not RecheckSample.objects.exists()


def test_it_shows_a_sample_only_to_the_overseers_of_its_jurisdiction(district):
    october(district)
    sample = drawn(district, seed=42).data
    item = sample["items"][0]

    def status(user, path=""):
        with travel(CHECKED_AT):
            return district.client(user).get(f"{URL}{path}").status_code

    assert status(district.sam, f"{sample['id']}/") == 200
    assert status(district.leo, f"{sample['id']}/") == 200
    assert [row["id"] for row in district.client(district.leo).get(URL).data["results"]] == [sample["id"]]
    assert district.client(district.otto).get(URL).data["results"] == []
    assert status(district.otto, f"{sample['id']}/") == 404
    assert (
        record(
            district, sample["id"], item["id"], district.otto, method="phone", result="failed", note="未解决"
        ).status_code
        == 404
    )
    assert {user.username: status(user) for user in (district.alice, district.carol, district.hank, district.dora)} == {
        "alice": 403,
        "carol": 403,
        "hank": 403,
        "dora": 403,
    }
    # A leader reads the sample but does not record re-checks.
    refused = record(district, sample["id"], item["id"], district.leo, method="phone", result="passed")
    assert refused.status_code == 403
    assert RecheckItem.objects.get(pk=item["id"]).result == ""


# --- recording results ---------------------------------------------------------------------------------------


def industry_sample(district) -> tuple[dict, dict, Case]:
    """Sam's October sample at 100 %; the item of one of carol's confirmed cases."""
    history = october(district)
    sample = drawn(district, rate_percent=100).data
    case = history["industry"][0]
    (item,) = [item for item in sample["items"] if item["case"]["id"] == case.pk]
    return sample, item, case


def test_it_reopens_a_case_whose_recheck_failed_as_a_new_cycle_for_the_same_unit(district):
    sample, item, case = industry_sample(district)

    response = record(
        district, sample["id"], item["id"], method="visit", result="failed", note="现场查看，线路增容仍未完成。"
    )

    assert response.status_code == 200, response.data
    assert (response.data["result"], response.data["method"], response.data["checked_by"]["username"]) == (
        "failed",
        "visit",
        "sam",
    )
    case.refresh_from_db()
    assert (case.state, case.assignee, case.responsible_unit) == (CaseState.ASSIGNED, district.carol, district.industry)
    assert (case.closure, case.closed_at, case.satisfaction) == ("", None, None)
    assert case.resolution_due_at == at(2026, 11, 30, 17, 30)
    cycle = DeadlineCycle.objects.get(case=case, kind=ClockKind.RESOLUTION, ended_at__isnull=True)
    assert (cycle.started_by, cycle.unit, cycle.responsible) == ("recheck-reopen", district.industry, district.carol)
    notified = set(
        Notification.objects.filter(kind="case_recheck_failed").values_list("recipient__username", flat=True)
    )
    assert notified == {"carol", "hank"}
    # The enterprise sees why its case is open again.
    with travel(CHECKED_AT):
        timeline = district.client(district.bob).get(f"/api/v1/cases/{case.pk}/").data["events"]
    assert timeline[-1]["action"] == EventAction.RECHECK_REOPEN
    assert timeline[-1]["note"] == "现场查看，线路增容仍未完成。"
    # The cadre works it again like any assigned case.
    with travel(CHECKED_AT):
        actions = district.client(district.carol).get(f"/api/v1/cases/{case.pk}/").data["available_actions"]
    assert "resolve" in actions


def test_it_counts_a_failed_recheck_against_the_unit_in_the_month_it_was_found(district):
    sample, item, case = industry_sample(district)
    record(district, sample["id"], item["id"], method="phone", result="failed", note="企业反映问题仍未解决。")

    with travel(CHECKED_AT):
        client = district.client(district.sam)
        november = client.get(RATES_URL, {"period": "2026-11"}).data
        october_table = client.get(RATES_URL, {"period": "2026-10"}).data
        drill = client.get(
            f"{RATES_URL}cases/", {"period": "2026-11", "metric": "recheck_failed", "unit": district.industry.pk}
        )
        by_cadre = client.get(RATES_URL, {"period": "2026-11", "by": "cadre"}).data

    counts = {row["unit"]["id"]: row["counts"]["recheck_failed"] for row in november["rows"]}
    assert counts[district.industry.pk] == 1
    assert counts[district.commerce.pk] == 0
    assert all(row["counts"]["recheck_failed"] == 0 for row in october_table["rows"])
    assert [row["case_id"] for row in drill.data["results"]] == [case.pk]
    (carol,) = [row for row in by_cadre["rows"] if row["cadre"]["username"] == "carol"]
    assert carol["counts"]["recheck_failed"] == 1
    assert "recheck_failed" in november["formulas"]


def test_it_leaves_a_case_whose_recheck_passed_closed_and_uncounted(district):
    sample, item, case = industry_sample(district)

    response = record(district, sample["id"], item["id"], method="phone", result="passed", note="企业确认已解决。")

    assert response.status_code == 200, response.data
    case.refresh_from_db()
    assert (case.state, case.closure, case.satisfaction) == (CaseState.CLOSED, Closure.CONFIRMED, 5)
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.action, event.is_internal, event.actor) == (EventAction.RECHECK, True, district.sam)
    with travel(CHECKED_AT):
        body = district.client(district.sam).get(RATES_URL, {"period": "2026-11"}).data
        detail = district.client(district.sam).get(f"{URL}{sample['id']}/").data
    assert all(row["counts"]["recheck_failed"] == 0 for row in body["rows"])
    assert (detail["passed_count"], detail["failed_count"], detail["pending_count"]) == (1, 0, 6)
    assert not Notification.objects.filter(kind="case_recheck_failed").exists()


def test_it_records_a_recheck_once(district):
    sample, item, case = industry_sample(district)
    record(district, sample["id"], item["id"], method="phone", result="passed")

    response = record(district, sample["id"], item["id"], method="visit", result="failed", note="再次走访未解决。")

    assert response.status_code == 409
    assert response.data["code"] == "recheck_recorded"
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"method": "phone", "result": "failed", "note": " "}, "note"),
        ({"method": "other", "result": "passed"}, "method_other"),
        ({"method": "letter", "result": "passed"}, "method"),
        ({"method": "phone", "result": "unknown"}, "result"),
    ],
)
def test_it_asks_for_a_finding_when_a_recheck_failed_and_a_name_for_another_method(district, payload, field):
    sample, item, case = industry_sample(district)

    response = record(district, sample["id"], item["id"], **payload)

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert RecheckItem.objects.get(pk=item["id"]).result == ""


def test_it_records_another_method_with_its_name(district):
    sample, item, case = industry_sample(district)

    response = record(district, sample["id"], item["id"], method="other", method_other="座谈会", result="passed")

    assert response.status_code == 200
    assert (response.data["method_other"], response.data["method_display"]) == ("座谈会", "Other")


def test_it_records_nothing_when_the_case_cannot_be_reopened(district):
    sample, item, case = industry_sample(district)
    with travel(CHECKED_AT):
        case_reopen_after_recheck(
            case=Case.objects.select_related("enterprise").get(pk=case.pk),
            acting_user=district.sam,
            finding="另一次复查已重办。",
            method="phone",
        )

    response = record(district, sample["id"], item["id"], method="phone", result="failed", note="仍未解决。")

    assert response.status_code == 409
    assert response.data["code"] == "invalid_state"
    assert RecheckItem.objects.get(pk=item["id"]).result == ""
    assert CaseEvent.objects.filter(case=case, action=EventAction.RECHECK_REOPEN).count() == 1


def test_it_refuses_a_stale_copy_and_a_supervisor_of_another_district_in_the_reopening_itself(district):
    case = closed(district, district.carol, district.industry)
    stale = Case.objects.select_related("enterprise").get(pk=case.pk)
    # Closed cases take no comments or actions; a version bump stands for someone else's change.
    Case.objects.filter(pk=case.pk).update(version=stale.version + 1)

    with travel(CHECKED_AT), pytest.raises(Conflict) as conflict:
        case_reopen_after_recheck(case=stale, acting_user=district.sam, finding="未解决。", method="phone")
    fresh = Case.objects.select_related("enterprise").get(pk=case.pk)
    with travel(CHECKED_AT), pytest.raises(NotPermitted):
        case_reopen_after_recheck(case=fresh, acting_user=district.otto, finding="未解决。", method="phone")

    assert conflict.value.code == "stale_case"
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED
    assert not CaseEvent.objects.filter(case=case, action=EventAction.RECHECK_REOPEN).exists()


def test_it_shows_samples_read_only_in_the_admin(district):
    october(district)
    sample = drawn(district, seed=42).data
    admin = get_user_model().objects.create_superuser(username="root", password="x")
    client = district.client()
    client.force_login(admin)

    assert client.get("/admin/supervision/rechecksample/").status_code == 200
    page = client.get(f"/admin/supervision/rechecksample/{sample['id']}/change/")
    assert page.status_code == 200
    assert sample["items"][0]["case"]["number"] in page.content.decode()


def test_it_never_offers_the_reopening_after_a_recheck_as_a_case_action(district):
    case = closed(district, district.carol, district.industry)
    sam = get_user_model().objects.get(pk=district.sam.pk)

    names = [transition.name for transition in case.get_available_user_state_transitions(sam)]
    with travel(DRAWN_AT):
        actions = district.client(district.sam).get(f"/api/v1/cases/{case.pk}/").data["available_actions"]

    assert names == ["reopen_after_recheck"]
    assert actions == []
    with travel(DRAWN_AT):
        listed = district.client(district.sam).get("/api/v1/cases/").data["results"]
    assert [row["available_actions"] for row in listed] == [[]]


def test_it_draws_a_case_reopened_by_a_failed_recheck_again_in_the_month_it_closes_again(district):
    sample, item, case = industry_sample(district)
    record(district, sample["id"], item["id"], method="phone", result="failed", note="仍未解决。")
    act(
        at(2026, 11, 24, 10),
        services.case_resolve,
        case,
        acting_user=district.carol,
        resolution_type=ResolutionType.SOLVED,
        reply="已完成增容。",
    )
    act(at(2026, 11, 25, 10), services.case_close, case, acting_user=district.bob, satisfaction=4)

    november = drawn(district, when=at(2026, 12, 2, 10), rate_percent=100).data

    assert case.pk in item_case_ids(november)


# --- query counts --------------------------------------------------------------------------------------------


def samples_of(district, cases: list[Case], months: list[str]) -> None:
    """Samples recorded directly, one per month, each holding every given case."""
    for month in months:
        sample = RecheckSample.objects.create(
            jurisdiction=district.district,
            period=month,
            period_start=at(2026, int(month[5:]), 1),
            period_end=at(2026, int(month[5:]) + 1, 1),
            seed=1,
            rate_percent=5,
            population_size=len(cases),
            population_digest=population_digest(case.pk for case in cases),
            drawn_by=district.sam,
            drawn_at=DRAWN_AT,
        )
        RecheckItem.objects.bulk_create(
            RecheckItem(sample=sample, case=case, unit=case.responsible_unit, assignee=case.assignee, position=n)
            for n, case in enumerate(cases, start=1)
        )


@pytest.mark.parametrize("size", [1, 4])
def test_it_lists_samples_and_shows_one_in_a_constant_number_of_queries(district, django_assert_num_queries, size):
    cases = [closed(district, district.carol, district.industry) for _ in range(size)]
    samples_of(district, cases, [f"2026-{month:02d}" for month in range(1, size + 1)])
    sample_id = RecheckSample.objects.order_by("id").first().pk

    def fresh_client():
        """A user object of its own per request, as in production, so the roles are loaded each time."""
        return district.client(get_user_model().objects.get(pk=district.sam.pk))

    # The user's roles (memberships, the unit tree, 包联 services, enterprise contacts), the count, the page.
    client = fresh_client()
    with django_assert_num_queries(3):
        listed = client.get(URL)
    # The roles, the sample with its counts, its items through the visibility gate.
    client = fresh_client()
    with django_assert_num_queries(3):
        shown = client.get(f"{URL}{sample_id}/")

    assert listed.data["count"] == size
    assert len(shown.data["items"]) == size


def test_it_treats_the_rating_after_a_failed_recheck_as_a_new_rating_with_its_own_rectification(district):
    """An upheld appeal of the first, bad rating neither blocks nor hides the second one."""
    case = assigned(district, district.carol, district.industry)
    act(
        at(2026, 10, 13, 10),
        services.case_resolve,
        case,
        acting_user=district.carol,
        resolution_type="solved",
        reply="已办理。",
    )
    act(CLOSED_AT, services.case_close, case, acting_user=district.bob, satisfaction=2)
    with travel(at(2026, 10, 15, 10)):
        appeal = ratings.appeal_file(
            case=Case.objects.get(pk=case.pk), acting_user=district.hank, kind="mistaken", reason="误评。"
        )
        ratings.appeal_decide(appeal=appeal, acting_user=district.sam, uphold=True, note="企业确认误评。")
    act(CHECKED_AT, case_reopen_after_recheck, case, acting_user=district.sam, finding="仍未解决。", method="phone")
    act(
        at(2026, 11, 24, 10),
        services.case_resolve,
        case,
        acting_user=district.carol,
        resolution_type="solved",
        reply="已再次办理。",
    )

    closed_again = act(at(2026, 11, 25, 10), services.case_close, case, acting_user=district.bob, satisfaction=1)

    assert closed_again.state == CaseState.CLOSED
    assert list(Rectification.objects.filter(case=case).order_by("rated_at").values_list("state", "satisfaction")) == [
        (RectificationState.CANCELLED, 2),
        (RectificationState.OPEN, 1),
    ]
    with travel(at(2026, 11, 25, 11)):
        november = district.client(district.sam).get(RATES_URL, {"period": "2026-11"}).data
        second = ratings.appeal_file(
            case=Case.objects.get(pk=case.pk), acting_user=district.hank, kind="malicious", reason="恶意差评。"
        )
    (industry,) = [row for row in november["rows"] if row["unit"]["id"] == district.industry.pk]
    assert industry["ratios"]["satisfaction"] == {"numerator": 0, "denominator": 1, "rate": 0.0}
    assert second.satisfaction == 1
