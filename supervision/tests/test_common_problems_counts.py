"""The categories and townships with most cases of a period, as each official sees them: counted for those who see
every case once by the rankings' beat and read from its snapshot, counted live for the others — on a random district,
each reader's lists must equal a plain count of the cases their gate lets through.
"""

import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from cases.models import CaseState, Category
from cases.selectors import cases_visible_to
from enterprises.models import Enterprise, EnterpriseContact, Unit, UnitKind
from supervision.common_problems.selectors import TOP, top_categories_and_townships
from supervision.rates.models import RatesSnapshot
from supervision.rates.periods import period_parse, within
from supervision.rates.services import rates_snapshots_take
from workflow import services as workflow

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 11, tzinfo=SHANGHAI)
NOVEMBER = period_parse("2026-11")


@pytest.fixture
def snapshots_on(settings):
    settings.HUIYIN = {**settings.HUIYIN, "RATES_SNAPSHOT_MINUTES": 10}


def random_district(district, seed: int) -> None:
    """Forty cases of three townships' enterprises, in October and November, some assigned to the Industry Bureau,
    its office or the Commerce Bureau."""
    chance = random.Random(seed)
    townships = [district.township] + [
        Unit.objects.create(name=f"镇{index}", kind=UnitKind.TOWNSHIP, parent=district.district) for index in (1, 2)
    ]
    enterprises = [district.yixin, district.hongda]
    for index in range(4):
        enterprise = Enterprise.objects.create(
            name=f"企业{index}", credit_code=f"9111000060003734{index}X", township=chance.choice(townships)
        )
        EnterpriseContact.objects.create(user=district.alice, enterprise=enterprise)
        enterprises.append(enterprise)
    EnterpriseContact.objects.create(user=district.alice, enterprise=district.hongda)
    categories = list(Category.objects.all())
    holders = [(None, None), (district.carol, district.industry), (district.carla, district.industry_office)]
    holders += [(district.dave, district.commerce)]
    for _ in range(40):
        with time_machine.travel(NOW - timedelta(days=chance.randint(0, 50), hours=chance.randint(0, 9)), tick=False):
            case = workflow.case_file(
                acting_user=district.alice,
                enterprise=chance.choice(enterprises),
                category=chance.choice(categories),
                title="用地",
                description="用地。",
            )
            assignee, unit = chance.choice(holders)
            if assignee is not None and case.state == CaseState.OPENED:  # not routed to its 包联 cadre already
                workflow.case_assign(case=case, acting_user=district.dora, assignee=assignee, unit=unit)


def plainly_counted(user) -> tuple[list, list]:
    """The top lists of the cases the user sees, counted one case at a time."""
    cases = list(
        cases_visible_to(user)
        .filter(within("filed_at", NOVEMBER))
        .values_list("category_id", "enterprise__township_id")
    )
    categories = Counter(category for category, _ in cases)
    townships = Counter(township for _, township in cases)
    return (
        sorted(((-count, pk) for pk, count in categories.items()))[:TOP],
        sorted(((-count, pk) for pk, count in townships.items()))[:TOP],
    )


def listed(top) -> tuple[list, list]:
    return (
        [(-row["cases"], row["category_pk"]) for row in top.categories],
        [(-row["cases"], row["township_pk"]) for row in top.townships],
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_gives_every_official_the_lists_of_the_cases_they_see_from_the_snapshot_or_live(
    district, snapshots_on, seed
):
    random_district(district, seed)
    with time_machine.travel(NOW, tick=False):
        rates_snapshots_take(now=NOW)
    later = NOW + timedelta(minutes=5)

    for user in (
        district.dora,
        district.sam,
        district.leo,
        district.hank,
        district.carol,
        district.carla,
        district.dave,
    ):
        top = top_categories_and_townships(user, NOVEMBER, now=later)
        assert listed(top) == plainly_counted(user), user.username
        # Only the dispatcher sees every case: sam and leo oversee this district, not its neighbour.
        assert top.counted_at == (NOW if user == district.dora else later), user.username
    assert listed(top_categories_and_townships(district.dora, NOVEMBER, now=later))[0]  # a district with cases


def file_a_financing_problem(district) -> None:
    workflow.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.financing,
        title="融资",
        description="融资。",
    )


def test_it_reads_the_snapshot_until_it_is_too_old_and_then_counts_and_keeps_the_lists_anew(
    district, snapshots_on, django_assert_num_queries
):
    with time_machine.travel(NOW, tick=False):
        file_a_financing_problem(district)
        first = top_categories_and_townships(district.dora, NOVEMBER, now=NOW)  # counted, and kept
        file_a_financing_problem(district)

    with django_assert_num_queries(1):  # the snapshot (her roles were read already): no case is counted
        soon = top_categories_and_townships(district.dora, NOVEMBER, now=NOW + timedelta(minutes=9))
    later = top_categories_and_townships(district.dora, NOVEMBER, now=NOW + timedelta(minutes=11))

    assert [row["cases"] for row in first.categories] == [1]
    assert soon == first and soon.counted_at == NOW
    assert [row["cases"] for row in later.categories] == [2] and later.counted_at == NOW + timedelta(minutes=11)
    assert RatesSnapshot.objects.get(period="2026-11", by="common").counted_at == later.counted_at


def test_it_counts_live_for_everyone_when_snapshots_are_turned_off(district):
    top = top_categories_and_townships(district.dora, NOVEMBER, now=NOW)

    assert top.counted_at == NOW
    assert not RatesSnapshot.objects.exists()


def test_it_shows_on_the_page_as_of_when_the_lists_were_counted(district, snapshots_on):
    client = Client()
    client.force_login(district.dora)
    with time_machine.travel(NOW, tick=False):
        client.get("/supervision/common-problems/", {"period": "2026-11"})
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        page = client.get("/supervision/common-problems/", {"period": "2026-11"}).content.decode()

    assert "数据截至 2026-11-27 11:00" in page
