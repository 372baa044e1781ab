"""What an overdue circular (督办通报) says: its period, its number and the snapshot of its figures.

The snapshot is plain JSON taken once per (re)generation: names, numbers and
ids, no translated labels, so that a published circular reads the same in
every language years later, whatever happens to the cases, units or people.
The figures come from the same definitions as the rates (``supervision.rates``)
and the overdue review (``supervision.overdue``), so a circular never disagrees
with the boards it summarises.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from cases.models import Case
from core.errors import InvalidInput
from core.people import person_name, user_name
from enterprises.models import Unit
from workflow.models import DeadlineCycle
from workflow.workdays import SHANGHAI, WorkCalendar

from ..common_problems.models import CommonProblem, CommonProblemState
from ..exports import in_language
from ..overdue.selectors import overdue_cases
from ..rates.figures import figures
from ..rates.periods import Period, period_parse, within
from ..rates.selectors import RANKED_TIERS, Row, Tier, unit_table
from .models import CircularPeriodKind

# Explicit dates may span at most a year: a circular is a periodic document, not an archive.
MAX_PERIOD_DAYS = 366
QUARTERS_ZH = ("一", "二", "三", "四")
SCORED_RATES = ("response", "on_time", "resolution", "satisfaction")


@dataclass(frozen=True)
class CircularPeriod:
    kind: CircularPeriodKind
    period: Period


def circular_period(*, text: str | None, start: date | None, end: date | None, now: datetime) -> CircularPeriod:
    """A month, quarter or year as the rates take it ("2026-11", "2026-Q4", "2026"), or first and last day."""
    if text and (start or end):
        message = _("Give either a period or start and end dates, not both.")
        raise InvalidInput(message, code="period", fields={"period": [message]})
    if text:
        period = period_parse(text)
        kind = (
            CircularPeriodKind.QUARTER
            if "Q" in period.label
            else CircularPeriodKind.MONTH
            if "-" in period.label
            else CircularPeriodKind.YEAR
        )
    elif start and end:
        if end < start:
            message = _("The end date must not be before the start date.")
            raise InvalidInput(message, code="period", fields={"end": [message]})
        if (end - start).days >= MAX_PERIOD_DAYS:
            message = _("A circular covers at most a year.")
            raise InvalidInput(message, code="period", fields={"end": [message]})
        period = Period(
            label=f"{start.isoformat()}~{end.isoformat()}",
            start=datetime.combine(start, time.min, tzinfo=SHANGHAI),
            end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
        )
        kind = CircularPeriodKind.DATES
    else:
        message = _('Give a period ("2026-11", "2026-Q4", "2026") or a start and an end date.')
        raise InvalidInput(message, code="period", fields={"period": [message]})
    if period.start > now:
        message = _("The period has not begun yet.")
        raise InvalidInput(message, code="period_in_future", fields={"period": [message]})
    return CircularPeriod(kind=kind, period=period)


def period_text(kind: str, start: datetime, end: datetime) -> str:
    """The period as the circular names it: 2026年11月, 2026年第四季度, 2026年度, or its first and last day."""
    first = start.astimezone(SHANGHAI).date()
    last = end.astimezone(SHANGHAI).date() - timedelta(days=1)
    if kind == CircularPeriodKind.MONTH:
        return in_language((f"{first.year}年{first.month}月", first.strftime("%B %Y")))
    if kind == CircularPeriodKind.QUARTER:
        quarter = (first.month - 1) // 3
        return in_language((f"{first.year}年第{QUARTERS_ZH[quarter]}季度", f"Q{quarter + 1} {first.year}"))
    if kind == CircularPeriodKind.YEAR:
        return in_language((f"{first.year}年度", str(first.year)))
    return in_language(
        (
            f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日",
            f"{first:%d %B %Y} to {last:%d %B %Y}",
        )
    )


def circular_number(year: int | None, sequence: int | None) -> str:
    """The document number, 督办通报〔2026〕第12期; empty for a draft."""
    if year is None or sequence is None:
        return ""
    return in_language((f"督办通报〔{year}〕第{sequence}期", f"Supervision circular [{year}] No. {sequence}"))


def default_title(kind: str, start: datetime, end: datetime) -> str:
    when = period_text(kind, start, end)
    return in_language((f"关于{when}企业诉求逾期办理情况的通报", f"Circular on overdue enterprise requests, {when}"))


def default_introduction(kind: str, start: datetime, end: datetime, jurisdiction: Unit) -> str:
    when = period_text(kind, start, end)
    return in_language(
        (
            f"为推动企业诉求件件有回音、事事有着落，现将{when}{jurisdiction.name}企业诉求办理中的逾期、"
            "退单和重办情况及各单位综合排名通报如下。",
            f"So that every enterprise request gets an answer and nothing is left hanging, the overdue, "
            f"returned and reopened requests of {jurisdiction.name} in {when} and the ranking of the units "
            "are circulated as follows.",
        )
    )


def default_requirements() -> str:
    return in_language(
        (
            "一、各责任单位要对照本通报逐件核查逾期诉求，明确责任人和办结时限，于3个工作日内报送整改情况。\n"
            "二、排名靠后的单位要深入分析原因，主要负责同志要亲自过问，限期整改。\n"
            "三、督查考核办公室将对整改情况跟踪督办，整改不到位的予以通报问责。",
            "1. Every responsible unit checks each overdue request listed here, names the person responsible "
            "and the date it will be solved, and reports within 3 working days.\n"
            "2. The units at the bottom of the ranking analyse the causes; their heads see to the correction "
            "in person, by a set date.\n"
            "3. The supervision office follows the corrections up; units that do not correct are circulated "
            "and held to account.",
        )
    )


# --- the snapshot --------------------------------------------------------------------------------------------


def _person_ref(user: User | None) -> dict | None:
    return {"id": user.pk, "name": user_name(user)} if user else None


def _unit_ref(unit: Unit | None) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _rate(numerator: float, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _scope_q(scope: frozenset[int]) -> Q:
    """A case belongs to a jurisdiction through its responsible unit or its enterprise's township."""
    return Q(responsible_unit_id__in=scope) | Q(enterprise__township_id__in=scope)


def _overdue_section(
    acting_user: User, *, scope: frozenset[int], now: datetime, calendar: WorkCalendar
) -> tuple[list[dict], list[dict], int]:
    """Overdue cases grouped by unit and by person, most overdue first; and how many there are."""
    by_unit: dict[int | None, dict] = {}
    by_person: dict[tuple[int | None, int | None], dict] = {}
    total = 0
    cases = overdue_cases(acting_user, now=now, calendar=calendar).filter(_scope_q(scope))
    for case in cases.iterator(chunk_size=2000):
        total += 1
        workdays = calendar.workdays_between(case.due_at, now)
        unit, assignee = case.responsible_unit, case.assignee
        row = {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "enterprise": case.enterprise.name,
            "assignee": _person_ref(assignee),
            "clock": case.clock,
            "due_at": _iso(case.due_at),
            "workdays": workdays,
            "urging_level": case.urging_level,
        }
        group = by_unit.setdefault(unit.pk if unit else None, {"unit": _unit_ref(unit), "cases": []})
        group["cases"].append(row)
        person_key = (assignee.pk if assignee else None, unit.pk if unit else None)
        person = by_person.setdefault(
            person_key, {"person": _person_ref(assignee), "unit": _unit_ref(unit), "case_numbers": [], "workdays": []}
        )
        person["case_numbers"].append(case.number)
        person["workdays"].append(workdays)

    units = []
    for group in by_unit.values():
        group["cases"].sort(key=lambda row: (-row["workdays"], row["number"]))
        units.append({**group, "count": len(group["cases"]), "max_workdays": group["cases"][0]["workdays"]})
    units.sort(
        key=lambda g: (g["unit"] is None, -g["count"], -g["max_workdays"], g["unit"]["name"] if g["unit"] else "")
    )
    people = [
        {
            "person": person["person"],
            "unit": person["unit"],
            "count": len(person["case_numbers"]),
            "max_workdays": max(person["workdays"]),
            "case_numbers": person["case_numbers"],
        }
        for person in by_person.values()
    ]
    people.sort(
        key=lambda p: (p["person"] is None, -p["count"], -p["max_workdays"], p["person"]["name"] if p["person"] else "")
    )
    return units, people, total


def _returned_section(*, period: Period, now: datetime, scope: frozenset[int]) -> list[dict]:
    """Cases sent back (退单) or reopened (不认可) in the period, by the unit that had them: the rates' own rows."""
    definitions = figures(period, now)
    by_unit: dict[int, dict] = {}
    for kind in ("send_back", "reopen"):
        figure = definitions[kind]
        rows = (
            DeadlineCycle.objects.filter(figure.numerator, unit_id__in=scope)
            .values(
                "unit_id",
                "case_id",
                unit_name=F("unit__name"),
                number=F("case__number"),
                title=F("case__title"),
                enterprise=F("case__enterprise__name"),
                at=F(figure.numerator_at),
                person_id=F("responsible_id"),
                person_first_name=F("responsible__first_name"),
                person_last_name=F("responsible__last_name"),
                person_username=F("responsible__username"),
            )
            .order_by("at", "case_id")
        )
        for row in rows:
            group = by_unit.setdefault(
                row["unit_id"],
                {"unit": {"id": row["unit_id"], "name": row["unit_name"]}, "sent_back": 0, "reopened": 0, "cases": []},
            )
            group["sent_back" if kind == "send_back" else "reopened"] += 1
            group["cases"].append(
                {
                    "id": row["case_id"],
                    "number": row["number"],
                    "title": row["title"],
                    "enterprise": row["enterprise"],
                    "kind": kind,
                    "at": _iso(row["at"]),
                    "person": {
                        "id": row["person_id"],
                        "name": person_name(
                            first_name=row["person_first_name"],
                            last_name=row["person_last_name"],
                            username=row["person_username"],
                        ),
                    }
                    if row["person_id"]
                    else None,
                }
            )
    groups = list(by_unit.values())
    for group in groups:
        group["cases"].sort(key=lambda case: (case["at"], case["number"]))
    groups.sort(key=lambda g: (-(g["sent_back"] + g["reopened"]), g["unit"]["name"]))
    return groups


def _common_problems_section(*, period: Period, now: datetime, scope: frozenset[int], calendar: WorkCalendar) -> list:
    """Common problems (共性问题) of the jurisdiction's units still open, or answered in the period: one item each,
    with how many enterprises it answers, the most overdue first."""
    problems = (
        CommonProblem.objects.filter(unit_id__in=scope)
        .filter(Q(state=CommonProblemState.OPEN) | within("answered_at", period))
        .select_related("unit")
        .annotate(enterprises=Count("links__case__enterprise", distinct=True))
        .order_by("due_at", "id")
    )
    return [
        {
            "id": problem.pk,
            "title": problem.title,
            "unit": _unit_ref(problem.unit),
            "state": problem.state,
            "enterprises": problem.enterprises,
            "due_at": _iso(problem.due_at),
            "answered_at": _iso(problem.answered_at),
            "workdays": calendar.workdays_between(problem.due_at, now)
            if problem.state == CommonProblemState.OPEN and problem.due_at < now
            else 0,
        }
        for problem in problems
    ]


def _ranking_entry(row: Row) -> dict:
    return {
        "tier": str(row.tier),
        "rank": row.rank,
        "unit": _unit_ref(row.unit),
        "score": row.score,
        "rates": {name: _rate(row.ratios[name].numerator, row.ratios[name].denominator) for name in SCORED_RATES},
        "overdue": row.counts["overdue"],
    }


def worst_performers(ranking: list[dict], count: int) -> list[dict]:
    """The bottom ``count`` of each tier among the units ranked below first place; a tie at the cut stays whole.

    A tier where everyone shares first place, or that has a single ranked unit, has nobody to name.
    """
    worst: list[dict] = []
    for tier in RANKED_TIERS:
        ranked = [entry for entry in ranking if entry["tier"] == tier and entry["rank"] is not None]
        candidates = sorted(
            (entry for entry in ranked if entry["rank"] > 1), key=lambda e: (-e["rank"], e["unit"]["name"])
        )
        if not candidates or count < 1:
            continue
        cut = candidates[min(count, len(candidates)) - 1]["rank"]
        worst.extend(entry for entry in candidates if entry["rank"] >= cut)
    return worst


def _summary_section(
    *, rows: list[Row], period: Period, scope: frozenset[int], overdue_total: int, overdue_units: int
) -> dict:
    """The headline numbers: filings, cases due and resolved on time, ratings, send-backs, reopens and what is
    overdue now."""
    filed = Case.objects.filter(_scope_q(scope), filed_at__gte=period.start, filed_at__lt=period.end).aggregate(
        n=Count("pk")
    )["n"]

    def total(metric: str, part: str) -> float:
        return sum(getattr(row.ratios[metric], part) for row in rows)

    due, on_time = int(total("on_time", "denominator")), int(total("on_time", "numerator"))
    rated, satisfied = int(total("satisfaction", "denominator")), int(total("satisfaction", "numerator"))
    return {
        "filed": filed,
        "due": due,
        "resolved_on_time": on_time,
        "on_time_rate": _rate(on_time, due),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": _rate(satisfied, rated),
        "sent_back": int(total("send_back", "numerator")),
        "reopened": int(total("reopen", "numerator")),
        "overdue": overdue_total,
        "overdue_units": overdue_units,
        "ranked_units": sum(1 for row in rows if row.rank is not None),
    }


def circular_content(
    *,
    acting_user: User,
    jurisdiction: Unit,
    scope: frozenset[int],
    period: Period,
    worst_count: int,
    now: datetime,
    calendar: WorkCalendar,
) -> dict:
    """The snapshot of every section, as of ``now``, for the units of ``scope`` (the jurisdiction's subtree)."""
    overdue_by_unit, overdue_by_person, overdue_total = _overdue_section(
        acting_user, scope=scope, now=now, calendar=calendar
    )
    table = unit_table(period=period, now=now, scope=scope)
    ranking = [_ranking_entry(row) for row in table.rows if row.tier in RANKED_TIERS]
    return {
        "generated_at": _iso(now),
        "period": {"label": period.label, "start": _iso(period.start), "end": _iso(period.end)},
        "jurisdiction": _unit_ref(jurisdiction),
        "summary": _summary_section(
            rows=table.rows,
            period=period,
            scope=scope,
            overdue_total=overdue_total,
            overdue_units=sum(1 for group in overdue_by_unit if group["unit"] is not None),
        ),
        "overdue_by_unit": overdue_by_unit,
        "overdue_by_person": overdue_by_person,
        "returned_by_unit": _returned_section(period=period, now=now, scope=scope),
        "common_problems": _common_problems_section(period=period, now=now, scope=scope, calendar=calendar),
        "ranking": ranking,
        "weights": table.weights,
        "worst_count": worst_count,
        "worst": worst_performers(ranking, worst_count),
    }


def named_units(content: dict) -> dict[int, str]:
    """The units the circular calls out: with overdue or returned cases, or among the worst. Id → name.

    The full ranking lists every unit, but only these are told about the circular.
    """
    named: dict[int, str] = {}
    for section in ("overdue_by_unit", "returned_by_unit", "worst"):
        for entry in content.get(section, []):
            if entry["unit"] is not None:
                named.setdefault(entry["unit"]["id"], entry["unit"]["name"])
    return named


def unit_facts(content: dict) -> dict[int, dict]:
    """Per named unit, what the circular says about it: overdue and returned counts, rank when among the worst."""
    facts: dict[int, dict] = defaultdict(lambda: {"overdue": 0, "returned": 0, "worst_rank": None, "tier": ""})
    for group in content.get("overdue_by_unit", []):
        if group["unit"] is not None:
            facts[group["unit"]["id"]]["overdue"] = group["count"]
    for group in content.get("returned_by_unit", []):
        facts[group["unit"]["id"]]["returned"] = group["sent_back"] + group["reopened"]
    for entry in content.get("worst", []):
        facts[entry["unit"]["id"]].update(worst_rank=entry["rank"], tier=entry["tier"])
    return dict(facts)


TIER_LABELS = {
    Tier.BUREAU: ("部门", "Bureaus"),
    Tier.LOCAL: ("乡镇（街道）", "Townships and streets"),
    Tier.OTHER: ("其他", "Other"),
}


def tier_text(tier: str) -> str:
    return in_language(TIER_LABELS[Tier(tier)])
