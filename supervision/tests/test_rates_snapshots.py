"""The rankings' snapshots: the counts of a table taken before anyone asks, read instead of a year of clocks.

A snapshot holds the counts the live queries give, for every unit: a ranking read from it, narrowed to
a supervisor's units, must equal the ranking counted live at the same moment — on a random history.
"""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, ResolutionType
from enterprises.models import Role, UnitMembership
from supervision.rates.api import TableSerializer, table_data
from supervision.rates.models import RatesSnapshot
from supervision.rates.periods import period_parse
from supervision.rates.selectors import cadre_table, unit_table
from supervision.rates.services import rates_snapshots_take
from supervision.rates.trends import TREND, overdue_by_week
from workflow import services

from .test_rates import assigned, at, travel

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 27, 11)


@pytest.fixture
def snapshots_on(settings):
    settings.HUIYIN = {**settings.HUIYIN, "RATES_SNAPSHOT_MINUTES": 10}


def random_history(district, seed: int) -> None:
    """Thirty cases of November for carol and dave, each taken a random way through its life."""
    chance = random.Random(seed)
    people = [(district.carol, district.industry), (district.dave, district.commerce)]
    for _ in range(30):
        cadre, unit = chance.choice(people)
        start = at(2026, 11, chance.randint(2, 12), 9)
        case = assigned(district, cadre, unit, when=start)
        moment = start
        for step in chance.sample(["accept", "resolve", "reopen", "rate", "send_back"], k=chance.randint(0, 4)):
            moment += timedelta(days=chance.randint(0, 6), hours=chance.randint(0, 5))
            if moment >= NOW:
                break
            current = Case.objects.get(pk=case.pk)
            with travel(moment):
                try:
                    act(district, step, current, cadre, chance)
                except Exception:  # a step the case's state does not allow now: the history simply goes on
                    continue


def act(district, step: str, case: Case, cadre, chance: random.Random) -> None:
    if step == "accept":
        services.case_accept(case=case, acting_user=cadre)
    elif step == "resolve":
        kind = chance.choice([ResolutionType.SOLVED, ResolutionType.PARTLY_SOLVED, ResolutionType.EXPLAINED])
        services.case_resolve(case=case, acting_user=cadre, resolution_type=kind, reply="已办理。")
    elif step == "reopen":
        services.case_reopen(case=case, acting_user=district.bob, reason="问题仍未解决")
    elif step == "rate":
        services.case_close(case=case, acting_user=district.bob, satisfaction=chance.randint(1, 5))
    elif step == "send_back":
        services.case_send_back(case=case, acting_user=cadre, reason="不属于本单位职责")


def table_facts(table) -> list[tuple]:
    return [
        (
            row.unit.pk,
            row.cadre.pk if row.cadre else None,
            row.rank,
            row.score,
            {name: (ratio.numerator, ratio.denominator) for name, ratio in row.ratios.items()},
            row.counts,
        )
        for row in table.rows
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_reads_from_a_snapshot_the_very_ranking_it_counts_live(district, snapshots_on, seed):
    random_history(district, seed)
    commerce_only = UnitMembership.objects.create(
        user=district.dave, unit=district.supervision, role=Role.SUPERVISOR, jurisdiction=district.commerce
    )
    scopes = [None, frozenset({district.commerce.pk}), frozenset({district.industry.pk, district.industry_office.pk})]

    with travel(NOW):
        taken = rates_snapshots_take(now=NOW)
        for label in ("2026-11", "2026-Q4", "2026"):
            period = period_parse(label)
            for build in (unit_table, cadre_table):
                for scope in scopes:
                    live = build(period=period, now=NOW, scope=scope)
                    kept = build(period=period, now=NOW, scope=scope, recent=True)
                    assert table_facts(kept) == table_facts(live), (label, build.__name__, scope)
                    assert kept.counted_at == NOW

        for scope in scopes:
            live_weeks = overdue_by_week(now=NOW, scope=scope)
            kept_weeks = overdue_by_week(now=NOW + timedelta(minutes=5), scope=scope, recent=True)
            assert [week.overdue for week in kept_weeks] == [week.overdue for week in live_weeks], scope
            assert kept_weeks[-1].counted_at == NOW  # as of the snapshot

    assert taken == 13  # November, October, the quarter and the year, by unit, by cadre and common problems; the trend
    assert commerce_only.pk  # a real supervisor of one unit: the narrowing is the one rankings use


def test_it_counts_once_and_reads_the_snapshot_until_it_is_too_old(district, snapshots_on):
    case = assigned(district, district.carol, district.industry, when=at(2026, 11, 2, 9))
    period = period_parse("2026-11")

    first = unit_table(period=period, now=NOW, scope=None, recent=True)  # counted live, and kept
    services.case_resolve(
        case=Case.objects.get(pk=case.pk), acting_user=district.carol, resolution_type="solved", reply="已办理。"
    )
    with CaptureQueriesContext(connection) as queries:
        soon = unit_table(period=period, now=NOW + timedelta(minutes=9), scope=None, recent=True)
    later = unit_table(period=period, now=NOW + timedelta(minutes=11), scope=None, recent=True)

    industry = [row for row in first.rows if row.unit == district.industry][0]
    assert industry.ratios["on_time"].denominator == 1  # due on the 11th, unresolved: missed
    assert table_facts(soon) == table_facts(first) and soon.counted_at == NOW
    assert len(queries) == 2  # the snapshot and the units: no clock is counted
    assert later.counted_at == NOW + timedelta(minutes=11)
    assert RatesSnapshot.objects.get(period="2026-11", by="unit").counted_at == later.counted_at


def test_it_does_not_read_a_snapshot_counted_with_other_satisfied_ratings(district, snapshots_on, settings):
    period = period_parse("2026-11")
    unit_table(period=period, now=NOW, scope=None, recent=True)
    settings.HUIYIN = {**settings.HUIYIN, "SATISFIED_RATINGS": ["5", "4"]}

    again = unit_table(period=period, now=NOW + timedelta(minutes=1), scope=None, recent=True)

    assert again.counted_at == NOW + timedelta(minutes=1)
    assert RatesSnapshot.objects.get(period="2026-11", by="unit").definitions == "5,4"


def test_it_counts_live_when_snapshots_are_turned_off(district):
    table = unit_table(period=period_parse("2026-11"), now=NOW, scope=None, recent=True)

    assert table.counted_at == NOW
    assert not RatesSnapshot.objects.exists()


def test_it_shows_on_the_rankings_page_as_of_when_the_figures_were_counted(district, snapshots_on):
    from django.test import Client

    client = Client()
    client.force_login(district.sam)
    with travel(NOW):
        client.get("/supervision/rates/", {"period": "2026-11"})
    with travel(NOW + timedelta(minutes=5)):
        page = client.get("/supervision/rates/", {"period": "2026-11"}).content.decode()

    assert "数据截至 2026-11-27 11:00" in page


@pytest.mark.parametrize("build", [unit_table, cadre_table])
def test_it_answers_the_rankings_api_exactly_as_its_documented_serializer_would(district, build):
    random_history(district, seed=4)
    with travel(NOW):
        table = build(period=period_parse("2026-11"), now=NOW, scope=None)
        served = table_data(table)

    assert any(row["ratios"]["on_time"]["denominator"] for row in served["rows"])  # a history with figures
    assert served == TableSerializer(table).data


def test_it_reads_the_trend_from_its_snapshot_until_it_is_too_old_or_a_new_week_began(district, snapshots_on):
    case = assigned(district, district.carol, district.industry, when=at(2026, 11, 2, 9))
    counted = overdue_by_week(now=NOW, scope=None, recent=True)  # counted live, and kept
    with travel(NOW + timedelta(minutes=1)):
        services.case_resolve(
            case=Case.objects.get(pk=case.pk), acting_user=district.carol, resolution_type="solved", reply="已办理。"
        )

    with CaptureQueriesContext(connection) as queries:
        soon = overdue_by_week(now=NOW + timedelta(minutes=9), scope=None, recent=True)
    later = overdue_by_week(now=NOW + timedelta(minutes=11), scope=None, recent=True)
    sunday_night = at(2026, 11, 29, 23, 55)
    RatesSnapshot.objects.filter(period=TREND).update(counted_at=sunday_night)
    next_week = overdue_by_week(now=sunday_night + timedelta(minutes=6), scope=None, recent=True)

    assert counted[-1].overdue == 1  # due on the 11th, running late on the 27th
    assert [week.overdue for week in soon] == [week.overdue for week in counted] and len(queries) == 1
    assert soon[-1].counted_at == NOW
    assert later[-1].overdue == 0 and later[-1].counted_at == NOW + timedelta(minutes=11)  # resolved meanwhile
    # A snapshot of last week's Sunday night holds last week's points, not this week's: counted anew.
    assert next_week[-1].counted_at == sunday_night + timedelta(minutes=6)
    assert next_week[-2].monday == soon[-1].monday
