"""The visit coverage (走访覆盖率) in the rankings, and the enterprises behind it.

November 2026, counted by hand:

- Industry Bureau (headed by hank) serves Yixin (carol until 20 November, carla from then), Huaxin (carla) and,
  from 25 November, Jinxing (no cadre yet, leo leads it); it served Yongfeng until 31 October.
- Commerce Bureau serves Hongda (dave).
- Visits: carol at Yixin on 16 November, hank at Huaxin on 10 November, leo at Jinxing on 26 November, dave at
  Hongda on 28 October, carla at Yongfeng on 20 October.

Industry: served Yixin, Huaxin, Jinxing (3); visited by its cadre or head Yixin, Huaxin (2): 2/3.
Commerce: 0/1. By cadre: carol 1/1 (Yixin), carla 0/2 (Huaxin was visited by her head, not by her), dave 0/1.
"""

from datetime import datetime

import pytest

from enterprises.models import Enterprise
from enterprises.services import service_assignment_change, service_assignments_end
from supervision.visits.models import VisitMode
from supervision.visits.services import visit_record

from .helpers import at, travel

pytestmark = pytest.mark.django_db

RATES = "/api/v1/supervision/rates/"
ENTERPRISES = f"{RATES}enterprises/"
WHEN = at(2026, 12, 2, 10)


def enterprise(district, name: str, code: str) -> Enterprise:
    return Enterprise.objects.create(name=name, credit_code=code, township=district.township)


def serve(moment: datetime, company: Enterprise, unit, **people) -> None:
    with travel(moment):
        service_assignments_end(enterprise_ids=[company.pk])
        service_assignment_change(enterprise=company, unit=unit, **people)


def visit(moment: datetime, company: Enterprise, visitor) -> None:
    with travel(moment.replace(hour=17)):
        visit_record(
            enterprise=company,
            acting_user=visitor,
            visited_at=moment,
            mode=VisitMode.ON_SITE,
            met_with="企业负责人",
            notes="了解生产经营情况。",
        )


@pytest.fixture
def november(district):
    d = district
    huaxin = enterprise(d, "华鑫新材料有限公司", "91230109000000001A")
    jinxing = enterprise(d, "金星食品有限公司", "91230109000000002B")
    yongfeng = enterprise(d, "永丰物流有限公司", "91230109000000003C")
    serve(at(2026, 10, 1, 9), yongfeng, d.industry, cadre=d.carla)
    visit(at(2026, 10, 20, 10), yongfeng, d.carla)
    with travel(at(2026, 10, 31, 23)):
        service_assignments_end(enterprise_ids=[yongfeng.pk])
    serve(at(2026, 10, 20, 9), d.yixin, d.industry, cadre=d.carol, leader=d.leo)
    serve(at(2026, 10, 20, 9), huaxin, d.industry, cadre=d.carla)
    serve(at(2026, 10, 20, 9), d.hongda, d.commerce, cadre=d.dave)
    visit(at(2026, 10, 28, 10), d.hongda, d.dave)
    visit(at(2026, 11, 10, 10), huaxin, d.hank)
    visit(at(2026, 11, 16, 10), d.yixin, d.carol)
    with travel(at(2026, 11, 20, 9)):
        service_assignment_change(enterprise=d.yixin, unit=d.industry, cadre=d.carla, leader=d.leo)
    serve(at(2026, 11, 25, 9), jinxing, d.industry, leader=d.leo)
    visit(at(2026, 11, 26, 10), jinxing, d.leo)
    d.huaxin, d.jinxing = huaxin, jinxing
    return d


def table(district, user, by: str = "unit", period: str = "2026-11") -> list[dict]:
    with travel(WHEN):
        response = district.client(user).get(RATES, {"period": period, "by": by})
    assert response.status_code == 200, response.data
    return response.data["rows"]


def coverage(rows: list[dict], unit, cadre=None) -> tuple[float, int]:
    (row,) = [
        row
        for row in rows
        if row["unit"]["id"] == unit.pk and (cadre is None or (row["cadre"] or {}).get("id") == cadre.pk)
    ]
    ratio = row["ratios"]["visit_coverage"]
    return ratio["numerator"], ratio["denominator"]


def drill(district, user, part: str, **query) -> list[str]:
    with travel(WHEN):
        response = district.client(user).get(
            ENTERPRISES, {"period": "2026-11", "metric": "visit_coverage", "part": part, **query}
        )
    assert response.status_code == 200, response.data
    return [row["name"] for row in response.data["results"]]


def test_it_counts_the_enterprises_a_unit_served_and_visited_each_once(november):
    rows = table(november, november.sam)

    assert coverage(rows, november.industry) == (2, 3)
    assert coverage(rows, november.commerce) == (0, 1)


def test_it_counts_a_cadre_s_own_visits_only(november):
    rows = table(november, november.sam, by="cadre")

    assert coverage(rows, november.industry, november.carol) == (1, 1)
    assert coverage(rows, november.industry, november.carla) == (0, 2)
    assert coverage(rows, november.commerce, november.dave) == (0, 1)


def test_it_keeps_the_coverage_out_of_the_score_unless_weighted(november, settings):
    unweighted = {row["unit"]["id"]: row["score"] for row in table(november, november.sam)}
    assert unweighted[november.industry.pk] is None  # no case figures: no score, whatever the coverage

    settings.HUIYIN = {**settings.HUIYIN, "RANKING_WEIGHTS": {"visit_coverage": 1}}
    weighted = {row["unit"]["id"]: (row["score"], row["rank"]) for row in table(november, november.sam)}

    assert weighted[november.industry.pk] == (66.67, 1)
    assert weighted[november.commerce.pk] == (0.0, 2)


def test_it_drills_down_to_exactly_the_enterprises_counted_and_those_left_out(november):
    d, industry = november, november.industry.pk

    assert drill(d, d.sam, "numerator", unit=industry) == sorted(["亿鑫化工有限公司", "华鑫新材料有限公司"])
    assert drill(d, d.sam, "denominator", unit=industry) == sorted(
        ["亿鑫化工有限公司", "华鑫新材料有限公司", "金星食品有限公司"]
    )
    assert drill(d, d.sam, "rest", unit=industry) == ["金星食品有限公司"]
    assert drill(d, d.sam, "rest", unit=industry, cadre=d.carla.pk) == sorted(
        ["亿鑫化工有限公司", "华鑫新材料有限公司"]
    )
    assert drill(d, d.sam, "numerator", unit=industry, cadre=d.carol.pk) == ["亿鑫化工有限公司"]


def test_it_shows_each_enterprise_s_latest_visit_in_the_drill_down(november):
    with travel(WHEN):
        rows = november.client(november.sam).get(
            ENTERPRISES, {"period": "2026-11", "metric": "visit_coverage", "part": "rest", "unit": november.commerce.pk}
        )

    assert [(row["name"], row["last_visit_at"]) for row in rows.data["results"]] == [
        ("宏达机械制造有限公司", at(2026, 10, 28, 10).isoformat())
    ]


def test_it_keeps_the_drill_down_within_the_jurisdiction_and_to_figures_of_enterprises(november):
    d = november
    with travel(WHEN):
        outside = d.client(d.otto).get(
            ENTERPRISES, {"period": "2026-11", "metric": "visit_coverage", "unit": d.industry.pk}
        )
        everything = d.client(d.otto).get(ENTERPRISES, {"period": "2026-11", "metric": "visit_coverage"})
        a_case_figure = d.client(d.sam).get(ENTERPRISES, {"period": "2026-11", "metric": "response"})
        as_cases = d.client(d.sam).get(f"{RATES}cases/", {"period": "2026-11", "metric": "visit_coverage"})
        cadre = d.client(d.carol).get(ENTERPRISES, {"period": "2026-11", "metric": "visit_coverage"})

    assert (outside.status_code, everything.data["count"]) == (403, 0)
    assert (a_case_figure.status_code, as_cases.status_code) == (400, 400)
    assert cadre.status_code == 403
