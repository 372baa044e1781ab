"""Rates and rankings of units and cadres (docs/rates.md), computed by aggregate queries.

Every figure is a count of the rows one Q object matches. The tables count them
with ``Count(..., filter=q)`` in one grouped query per source; the drill-down
filters the same rows with the same Q, so the cases behind a figure are exactly
the ones it counts.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case as Conditional
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, Closure, EventAction, ResolutionType, Satisfaction
from core.errors import InvalidInput, NotPermitted
from enterprises.access import roles_for_user
from enterprises.models import Role, Unit, UnitKind
from workflow.models import ClockKind, ClockOutcome, DeadlineCycle
from workflow.selectors import clock_missed_q, clock_running_late_q

from .models import Appeal, AppealState, Rectification, rectification_overdue_q

User = get_user_model()

SCORED = ("response", "on_time", "resolution", "satisfaction")
RATES = (*SCORED, "good_rating", "send_back", "reopen")
COUNTS = ("extension", "overdue", "no_answer", "appeal_upheld", "rectification_overdue", "recheck_failed")
DEFAULT_WEIGHTS = {"response": 0.2, "on_time": 0.3, "resolution": 0.2, "satisfaction": 0.3}

FORMULAS = {
    "response": gettext_lazy(
        "Response rate: assignments signed for by the response deadline / assignments started in the period "
        "that were signed for, breached, or are past due (taken away before the deadline: not counted)"
    ),
    "on_time": gettext_lazy(
        "On-time rate (按期办结率): cases resolved by every resolution deadline of the unit that fell in the period "
        "/ cases with such a deadline, resolved or not, including cases past an earlier deadline and still "
        "unresolved in the period; each case counts once, and one missed deadline makes it late"
    ),
    "resolution": gettext_lazy(
        "Resolution rate: (solved + ½ × partly solved) / cases closed in the period, withdrawn ones excluded"
    ),
    "send_back": gettext_lazy("Send-back rate: send-backs in the period / assignments started in the period"),
    "reopen": gettext_lazy(
        "Reopen rate: cases reopened in the period / cases resolved in the period, each case counted once"
    ),
    "extension": gettext_lazy("Extensions: approved extensions in the period"),
    "overdue": gettext_lazy("Overdue now: cases being worked on past their resolution deadline"),
    "no_answer": gettext_lazy("No answer: cases closed in the period because the enterprise did not answer"),
    "appeal_upheld": gettext_lazy(
        "Appeals upheld: cases closed in the period whose rating an upheld appeal took out of the satisfaction rate"
    ),
    "rectification_overdue": gettext_lazy(
        "Rectifications overdue now: rectifications after a bad rating still open past their deadline"
    ),
    "recheck_failed": gettext_lazy(
        "Failed re-checks: closed cases reopened in the period because a re-check (复查) found them not solved"
    ),
    "score": gettext_lazy(
        "Score: 100 × the weighted mean of the response, on-time, resolution and satisfaction rates, "
        "over the rates that have data"
    ),
}
# The two rating figures name the ratings they count, which come from the settings: see ``formulas()``.
RATING_FORMULAS = {
    "satisfaction": gettext_lazy(
        "Satisfaction rate: (%(ratings)s) / cases closed in the period with a rating, ratings taken out by an "
        "upheld appeal excluded; closed without an answer is reported apart"
    ),
    "good_rating": gettext_lazy("Good-rating rate (好评率): (%(ratings)s) / the satisfaction rate's rated cases"),
}
GOOD_RATINGS = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)


def satisfied_ratings() -> tuple[int, ...]:
    """``HUIYIN["SATISFIED_RATINGS"]``: the ratings the satisfaction rate counts as satisfied, best first."""
    chosen = settings.HUIYIN.get("SATISFIED_RATINGS", (5, 4, 3))
    try:
        ratings = tuple(sorted({int(rating) for rating in chosen}, reverse=True))
    except (TypeError, ValueError):
        ratings = ()
    if not ratings or not set(ratings) <= set(Satisfaction.values):
        raise ImproperlyConfigured("SATISFIED_RATINGS takes one or more ratings from 1 to 5, e.g. 5,4,3.")
    return ratings


def ratings_text(ratings: Iterable[int]) -> str:
    return " + ".join(str(Satisfaction(rating).label) for rating in ratings)


def formulas() -> dict[str, str]:
    """Every figure's formula in the active language, the rating figures naming exactly what they count."""
    texts = {name: str(text) for name, text in FORMULAS.items()}
    texts["satisfaction"] = str(RATING_FORMULAS["satisfaction"]) % {"ratings": ratings_text(satisfied_ratings())}
    texts["good_rating"] = str(RATING_FORMULAS["good_rating"]) % {"ratings": ratings_text(GOOD_RATINGS)}
    return {name: texts[name] for name in (*RATES, *COUNTS, "score")}


class Tier(StrEnum):
    BUREAU = "bureau"
    LOCAL = "local"
    OTHER = "other"


TIER_OF_KIND = {UnitKind.BUREAU: Tier.BUREAU, UnitKind.TOWNSHIP: Tier.LOCAL, UnitKind.STREET: Tier.LOCAL}
RANKED_TIERS = (Tier.BUREAU, Tier.LOCAL)


class By(StrEnum):
    UNIT = "unit"
    CADRE = "cadre"


class Part(StrEnum):
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"


# --- periods -------------------------------------------------------------------------------------------------

# Years the system can have figures for: from the first Huiyin could hold to far past any plan.
PERIOD_PATTERN = re.compile(r"(?P<year>2\d{3})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?")


@dataclass(frozen=True)
class Period:
    """A month, quarter or year in Asia/Shanghai, as the half-open interval [start, end)."""

    label: str
    start: datetime
    end: datetime


def local_start(year: int, month: int) -> datetime:
    if month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=timezone.get_default_timezone())


def period_parse(text: str) -> Period:
    """Parse "2026-11", "2026-Q4" or "2026"; anything else is refused with a message for the person."""
    match = PERIOD_PATTERN.fullmatch((text or "").strip().upper())
    if match is None:
        message = _('Give the period as a month ("2026-11"), a quarter ("2026-Q4") or a year ("2026").')
        raise InvalidInput(message, code="period", fields={"period": [message]})
    year = int(match["year"])
    if match["month"]:
        first, months = int(match["month"]), 1
    elif match["quarter"]:
        first, months = 3 * int(match["quarter"]) - 2, 3
    else:
        first, months = 1, 12
    return Period(label=match.group(0), start=local_start(year, first), end=local_start(year, first + months))


def period_of_month(moment: datetime) -> Period:
    local = timezone.localtime(moment)
    return period_parse(f"{local.year}-{local.month:02d}")


# --- what each figure counts ---------------------------------------------------------------------------------


class Source(StrEnum):
    CYCLES = "cycles"
    CASES = "cases"
    RECTIFICATIONS = "rectifications"


@dataclass(frozen=True)
class Figure:
    """Which rows make a figure, and which timestamp places each row in the period.

    ``half`` rows are part of the numerator but weigh one half (partly solved cases).
    A figure without a denominator is a plain count. A ``per_case`` figure over clocks counts the
    cases its rows belong to, each once, not the rows. With ``misses``, the numerator is the
    denominator's cases that have none of those rows (a case with one missed deadline is late).
    """

    source: Source
    numerator: Q
    numerator_at: str
    denominator: Q | None = None
    denominator_at: str = ""
    half: Q | None = None
    per_case: bool = False
    misses: Q | None = None


def within(column: str, period: Period) -> Q:
    return Q(**{f"{column}__gte": period.start, f"{column}__lt": period.end})


def upheld_appeal_q() -> Q:
    """Cases whose rating an upheld appeal took out of the rates (the rating itself stays on the case)."""
    upheld = Appeal.objects.filter(case_id=OuterRef("pk"), rated_at=OuterRef("closed_at"), state=AppealState.UPHELD)
    return Q(Exists(upheld))


def rated_cases_q(closed: Q) -> Q:
    """Closed cases whose rating counts: the one place every satisfaction figure and drill-down reads."""
    return closed & Q(satisfaction__isnull=False) & ~upheld_appeal_q()


def resolution_due_q(period: Period, now: datetime) -> Q:
    """Resolution clocks that make a case due (应办结) in the period, and are decided.

    Due in the period: its deadline fell in it, or fell before it and the clock still ran when the
    period began. Decided: resolved (met), or missed — ended after its deadline, or still running past
    it. A clock that ended before its deadline for another reason (sent back, moved to another unit,
    extended, withdrawn) was no deadline of that unit's to meet, and one not yet due is not decided.
    """
    due = within("due_at", period) | (
        Q(due_at__lt=period.start) & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.start))
    )
    return Q(kind=ClockKind.RESOLUTION) & due & (Q(outcome=ClockOutcome.MET) | resolution_missed_q(now))


def resolution_missed_q(now: datetime) -> Q:
    """A resolution clock that ended after its deadline, or still runs past it."""
    return clock_missed_q(now)


def figures(period: Period, now: datetime) -> dict[str, Figure]:
    """The definitions of docs/rates.md, for one period, with "now" for what is running."""
    assigned = Q(kind=ClockKind.RESPONSE) & within("started_at", period)
    response_counted = assigned & (Q(outcome=ClockOutcome.MET) | clock_missed_q(now))
    resolved = Q(kind=ClockKind.RESOLUTION, outcome=ClockOutcome.MET) & within("ended_at", period)
    due = resolution_due_q(period, now)
    closed = within("closed_at", period)
    closed_counted = closed & ~Q(closure=Closure.WITHDRAWN)
    rated = rated_cases_q(closed)
    cycles, cases = Source.CYCLES, Source.CASES
    return {
        "response": Figure(
            source=cycles,
            numerator=response_counted & Q(outcome=ClockOutcome.MET, breached=False),
            numerator_at="ended_at",
            denominator=response_counted,
            denominator_at="started_at",
        ),
        "on_time": Figure(
            source=cycles,
            numerator=due,
            numerator_at="due_at",
            denominator=due,
            denominator_at="due_at",
            per_case=True,
            misses=resolution_missed_q(now),
        ),
        "resolution": Figure(
            source=cases,
            numerator=closed_counted & Q(resolution_type__in=[ResolutionType.SOLVED, ResolutionType.PARTLY_SOLVED]),
            numerator_at="closed_at",
            denominator=closed_counted,
            denominator_at="closed_at",
            half=closed_counted & Q(resolution_type=ResolutionType.PARTLY_SOLVED),
        ),
        "satisfaction": Figure(
            source=cases,
            numerator=rated & Q(satisfaction__in=satisfied_ratings()),
            numerator_at="closed_at",
            denominator=rated,
            denominator_at="closed_at",
        ),
        "good_rating": Figure(
            source=cases,
            numerator=rated & Q(satisfaction__in=GOOD_RATINGS),
            numerator_at="closed_at",
            denominator=rated,
            denominator_at="closed_at",
        ),
        "send_back": Figure(
            source=cycles,
            numerator=Q(kind=ClockKind.RESOLUTION, outcome=ClockOutcome.SENT_BACK) & within("ended_at", period),
            numerator_at="ended_at",
            denominator=assigned,
            denominator_at="started_at",
        ),
        "reopen": Figure(
            source=cycles,
            numerator=Q(kind=ClockKind.RESOLUTION, started_by=EventAction.REOPEN) & within("started_at", period),
            numerator_at="started_at",
            denominator=resolved,
            denominator_at="ended_at",
            per_case=True,
        ),
        "extension": Figure(
            source=cycles,
            numerator=Q(kind=ClockKind.RESOLUTION, outcome=ClockOutcome.EXTENDED) & within("ended_at", period),
            numerator_at="ended_at",
        ),
        "overdue": Figure(
            source=cycles,
            numerator=Q(kind=ClockKind.RESOLUTION) & clock_running_late_q(now),
            numerator_at="due_at",
        ),
        "no_answer": Figure(source=cases, numerator=closed & Q(closure=Closure.NO_ANSWER), numerator_at="closed_at"),
        "appeal_upheld": Figure(
            source=cases, numerator=closed & Q(satisfaction__isnull=False) & upheld_appeal_q(), numerator_at="closed_at"
        ),
        "rectification_overdue": Figure(
            source=Source.RECTIFICATIONS,
            numerator=rectification_overdue_q(now),
            numerator_at="due_at",
        ),
        # A failed re-check starts the only resolution clocks started by "recheck-reopen", for the unit and
        # assignee that had closed the case: counting those clocks counts the failures against them.
        "recheck_failed": Figure(
            source=cycles,
            numerator=Q(kind=ClockKind.RESOLUTION, started_by=EventAction.RECHECK_REOPEN)
            & within("started_at", period),
            numerator_at="started_at",
        ),
    }


# The columns a row counts against, per source and table.
UNIT_COLUMN = {Source.CYCLES: "unit_id", Source.CASES: "responsible_unit_id", Source.RECTIFICATIONS: "unit_id"}
CADRE_COLUMN = {Source.CYCLES: "responsible_id", Source.CASES: "assignee_id", Source.RECTIFICATIONS: "assignee_id"}
MODEL = {Source.CYCLES: DeadlineCycle, Source.CASES: Case, Source.RECTIFICATIONS: Rectification}


# --- who may see which units ---------------------------------------------------------------------------------


def rated_units_for_user(user) -> frozenset[int] | None:
    """Units whose figures the user may read: all (None) for dispatchers, the jurisdiction for overseers."""
    roles = roles_for_user(user)
    if roles.is_dispatcher:
        return None
    if Role.SUPERVISOR in roles.roles or Role.LEADER in roles.roles:
        return roles.supervised_unit_ids | roles.led_unit_ids
    raise NotPermitted(_("Only supervisors, leaders and dispatchers can see rates and rankings."))


# --- the tables ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    numerator: float
    denominator: int

    @property
    def rate(self) -> float | None:
        """None, not 0, when nothing was counted: no data is not a bad result."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass
class Row:
    unit: Unit
    cadre: AbstractBaseUser | None
    tier: Tier
    ratios: dict[str, Ratio]
    counts: dict[str, int]
    score: float | None = None
    missing: tuple[str, ...] = ()
    rank: int | None = None


@dataclass
class Table:
    period: Period
    by: By
    weights: dict[str, float]
    rows: list[Row]


def ranking_weights() -> dict[str, float]:
    """``HUIYIN["RANKING_WEIGHTS"]`` replaces the defaults as a whole; a weight of 0 leaves a rate out."""
    weights = settings.HUIYIN.get("RANKING_WEIGHTS", DEFAULT_WEIGHTS)
    unknown = set(weights) - set(SCORED)
    if unknown or any(float(weight) < 0 for weight in weights.values()):
        raise ImproperlyConfigured(f"RANKING_WEIGHTS takes non-negative weights for {', '.join(SCORED)}.")
    return {name: float(weights.get(name, 0)) for name in SCORED}


def grouped_counts(
    source: Source, definitions: dict[str, Figure], columns: tuple[str, ...], scope: frozenset[int] | None
) -> dict[tuple, dict[str, int]]:
    """One GROUP BY query over a source: per group, the numerator, half and denominator count of each figure."""
    own = {name: figure for name, figure in definitions.items() if figure.source == source}
    annotations, wanted = {}, []
    for name, figure in own.items():
        counted = "case" if figure.per_case else "pk"
        parts = (("h", figure.half), ("d", figure.denominator))
        if figure.misses is not None:
            parts += (("m", figure.denominator & figure.misses),)
        else:
            parts += (("n", figure.numerator),)
        for suffix, q in parts:
            if q is not None:
                annotations[f"{name}_{suffix}"] = Count(counted, filter=q, distinct=figure.per_case)
                wanted.append(q)
    rows = MODEL[source].objects.filter(reduce(or_, wanted))
    if scope is not None:
        rows = rows.filter(**{f"{UNIT_COLUMN[source]}__in": scope})
    grouped = rows.values(*columns).annotate(**annotations).order_by()
    result = {}
    for row in grouped:
        for name, figure in own.items():
            if figure.misses is not None:
                row[f"{name}_n"] = row[f"{name}_d"] - row.pop(f"{name}_m")
        result[tuple(row[column] for column in columns)] = row
    return result


def build_row(unit: Unit, cadre: AbstractBaseUser | None, counted: dict[str, int]) -> Row:
    ratios = {}
    for name in RATES:
        half = counted.get(f"{name}_h", 0)
        ratios[name] = Ratio(numerator=counted.get(f"{name}_n", 0) - half / 2, denominator=counted.get(f"{name}_d", 0))
    counts = {name: counted.get(f"{name}_n", 0) for name in COUNTS}
    return Row(unit=unit, cadre=cadre, tier=TIER_OF_KIND.get(unit.kind, Tier.OTHER), ratios=ratios, counts=counts)


def score_and_rank(rows: list[Row], weights: dict[str, float]) -> None:
    """Weighted mean over the rates with data (weights renormalised); competition ranking within each tier."""
    used = {name: weight for name, weight in weights.items() if weight > 0}
    for row in rows:
        row.missing = tuple(name for name in used if row.ratios[name].rate is None)
        present = {name: weight for name, weight in used.items() if name not in row.missing}
        total = sum(present.values())
        if total:
            row.score = round(100 * sum(weight * row.ratios[name].rate for name, weight in present.items()) / total, 2)
    for tier in RANKED_TIERS:
        scored = sorted((row for row in rows if row.tier == tier and row.score is not None), key=lambda r: -r.score)
        for position, row in enumerate(scored, start=1):
            previous = scored[position - 2] if position > 1 else None
            row.rank = previous.rank if previous is not None and previous.score == row.score else position


def merged(parts: Iterable[dict[tuple, dict[str, int]]]) -> dict[tuple, dict[str, int]]:
    result: dict[tuple, dict[str, int]] = {}
    for part in parts:
        for key, counted in part.items():
            if None not in key:
                result.setdefault(key, {}).update(counted)
    return result


def ordered(table: Table, weights: dict[str, float]) -> Table:
    score_and_rank(table.rows, weights)
    tier_order = list(Tier)
    table.rows.sort(
        key=lambda row: (
            tier_order.index(row.tier),
            row.rank is None,
            row.rank or 0,
            row.unit.name,
            row.cadre.get_username() if row.cadre else "",
        )
    )
    return table


def unit_table(*, period: Period, now: datetime, scope: frozenset[int] | None) -> Table:
    """One row per unit: every unit with figures, and every active unit of a ranked tier (unranked without data)."""
    definitions = figures(period, now)
    counted = merged(grouped_counts(source, definitions, (UNIT_COLUMN[source],), scope) for source in Source)
    unit_ids = {unit_id for (unit_id,) in counted}
    units = Unit.objects.filter(Q(pk__in=unit_ids) | Q(is_active=True, kind__in=list(TIER_OF_KIND)))
    if scope is not None:
        units = units.filter(pk__in=scope)
    weights = ranking_weights()
    rows = [build_row(unit, None, counted.get((unit.pk,), {})) for unit in units]
    return ordered(Table(period=period, by=By.UNIT, weights=weights, rows=rows), weights)


def cadre_table(*, period: Period, now: datetime, scope: frozenset[int] | None) -> Table:
    """One row per cadre and unit they answered for: a cadre of two units is judged in each, in its tier."""
    definitions = figures(period, now)
    counted = merged(
        grouped_counts(source, definitions, (CADRE_COLUMN[source], UNIT_COLUMN[source]), scope) for source in Source
    )
    units = Unit.objects.in_bulk({unit_id for _cadre, unit_id in counted})
    cadres = User.objects.in_bulk({cadre_id for cadre_id, _unit in counted})
    weights = ranking_weights()
    rows = [build_row(units[unit_id], cadres[cadre_id], values) for (cadre_id, unit_id), values in counted.items()]
    return ordered(Table(period=period, by=By.CADRE, weights=weights, rows=rows), weights)


# --- the drill-down ------------------------------------------------------------------------------------------


def figure_cases(
    *,
    period: Period,
    now: datetime,
    metric: str,
    part: Part,
    scope: frozenset[int] | None,
    unit_id: int | None = None,
    cadre_id: int | None = None,
) -> QuerySet:
    """The rows behind one figure, one per counted row, as dicts naming the case; filtered by the figure's own Q."""
    figure = figures(period, now)[metric]
    if part == Part.NUMERATOR:
        q, at = figure.numerator, figure.numerator_at
    else:
        q, at = figure.denominator, figure.denominator_at
    if q is None:
        message = _("This figure is a count; it has no denominator.")
        raise InvalidInput(message, code="part", fields={"part": [message]})
    if unit_id is not None and scope is not None and unit_id not in scope:
        raise NotPermitted(_("This unit is outside your jurisdiction."))
    source = figure.source
    judged = Q()
    if scope is not None:
        judged &= Q(**{f"{UNIT_COLUMN[source]}__in": scope})
    if unit_id is not None:
        judged &= Q(**{UNIT_COLUMN[source]: unit_id})
    if cadre_id is not None:
        judged &= Q(**{CADRE_COLUMN[source]: cadre_id})
    rows = MODEL[source].objects.filter(q, judged)
    if figure.per_case:
        return case_rows(rows, figure=figure, part=part, judged=judged, at=at)
    if source == Source.CYCLES:
        rows = rows.values(
            "case_id", "due_at", "outcome", "breached", number=F("case__number"), title=F("case__title"), at=F(at)
        )
    elif source == Source.RECTIFICATIONS:
        rows = rows.values("case_id", "due_at", "state", number=F("case__number"), title=F("case__title"), at=F(at))
    else:
        rows = rows.values("number", "title", "resolution_type", "satisfaction", "closure", case_id=F("pk"), at=F(at))
    return rows.order_by("at", "case_id", "pk")


def case_rows(rows: QuerySet, *, figure: Figure, part: Part, judged: Q, at: str) -> QuerySet:
    """A per-case figure's clocks, one row per case: its latest counted moment (for the on-time rate, its
    latest counted deadline), when it was last resolved on them (None while running), and whether one of
    them was missed."""
    missed = figure.misses if figure.misses is not None else Q(pk__in=[])
    if figure.misses is not None and part == Part.NUMERATOR:
        late = DeadlineCycle.objects.filter(figure.denominator & figure.misses, judged).values("case_id")
        rows = rows.exclude(case_id__in=late)
    return (
        rows.values("case_id", number=F("case__number"), title=F("case__title"))
        .annotate(
            at=Max(at),
            resolved_at=Max("ended_at", filter=Q(outcome=ClockOutcome.MET)),
            deadlines=Count("pk"),
            missed=Count("pk", filter=missed),
        )
        .annotate(breached=Conditional(When(missed__gt=0, then=Value(True)), default=Value(False)))
        .order_by("at", "case_id")
    )
