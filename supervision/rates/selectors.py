"""Rates and rankings of units and cadres, computed by aggregate queries, and the cases behind every figure.

Every figure is a count of the rows one Q object matches (``figures``). The tables count them
with ``Count(..., filter=q)`` in one grouped query per source; the drill-down
filters the same rows with the same Q, so the cases behind a figure are exactly
the ones it counts.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property, reduce
from operator import or_

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case as Conditional
from django.db.models import Count, F, Max, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from cases.models import Case
from core.errors import InvalidInput, NotPermitted
from enterprises.models import Enterprise, ServiceAssignment, Unit, UnitKind
from workflow.models import ClockOutcome, DeadlineCycle

from ..ratings.models import Rectification
from ..visits.selectors import last_visit_q
from .figures import COUNTS, RATES, SCORED, Figure, Source, figures, satisfied_ratings
from .models import RatesSnapshot
from .periods import Period

DEFAULT_WEIGHTS = {"response": 0.2, "on_time": 0.3, "resolution": 0.2, "satisfaction": 0.3}


class Tier(StrEnum):
    BUREAU = "bureau"
    LOCAL = "local"
    OTHER = "other"


TIER_OF_KIND: dict[str, Tier] = {
    UnitKind.BUREAU: Tier.BUREAU,
    UnitKind.TOWNSHIP: Tier.LOCAL,
    UnitKind.STREET: Tier.LOCAL,
}
RANKED_TIERS = (Tier.BUREAU, Tier.LOCAL)


class By(StrEnum):
    UNIT = "unit"
    CADRE = "cadre"


class Part(StrEnum):
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"


class EnterprisePart(StrEnum):
    """What a drill-down of a figure of enterprises lists; ``rest`` is the denominator's enterprises the
    numerator leaves out (for the visit coverage: those served and not visited)."""

    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"
    REST = "rest"


# The columns a row counts against, per source and table.
UNIT_COLUMN = {
    Source.CYCLES: "unit_id",
    Source.CASES: "responsible_unit_id",
    Source.RECTIFICATIONS: "unit_id",
    Source.SERVICES: "unit_id",
}
CADRE_COLUMN = {
    Source.CYCLES: "responsible_id",
    Source.CASES: "assignee_id",
    Source.RECTIFICATIONS: "assignee_id",
    Source.SERVICES: "cadre_id",
}
MODEL = {
    Source.CYCLES: DeadlineCycle,
    Source.CASES: Case,
    Source.RECTIFICATIONS: Rectification,
    Source.SERVICES: ServiceAssignment,
}


# --- the tables ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    numerator: float
    denominator: int

    @property
    def rate(self) -> float | None:
        """None, not 0, when nothing was counted: no data is not a bad result."""
        return self.numerator / self.denominator if self.denominator else None


# The keys of a group's counts, spelled once rather than per row: a ranking reads thousands of rows.
RATE_KEYS = {name: (f"{name}_n", f"{name}_h", f"{name}_d") for name in RATES}
COUNT_KEYS = {name: f"{name}_n" for name in COUNTS}


@dataclass
class Row:
    """One unit's (or cadre and unit's) figures, kept as the group's counts (``<figure>_<part>``, as counted).

    A ratio is made when read: the rankings API reads each once, and keeping sixteen thousand ratio objects
    alive for a ranking of two thousand cadres made the garbage collector walk the whole process on most
    requests (a dict of numbers is not tracked by it, an object is)."""

    unit: Unit
    cadre: User | None
    tier: Tier
    counted: dict[str, int]
    score: float | None = None
    missing: tuple[str, ...] = ()
    rank: int | None = None

    def ratio(self, name: str) -> Ratio:
        numerator, half, denominator = RATE_KEYS[name]
        counted = self.counted
        return Ratio(
            numerator=counted.get(numerator, 0) - counted.get(half, 0) / 2, denominator=counted.get(denominator, 0)
        )

    @cached_property
    def ratios(self) -> dict[str, Ratio]:
        """Every rate's ratio, kept for pages that read them more than once."""
        return {name: self.ratio(name) for name in RATES}

    @property
    def counts(self) -> dict[str, int]:
        return {name: self.counted.get(key, 0) for name, key in COUNT_KEYS.items()}


@dataclass
class Table:
    period: Period
    by: By
    weights: dict[str, float]
    rows: list[Row]
    counted_at: datetime


def ranking_weights() -> dict[str, float]:
    """``HUIYIN["RANKING_WEIGHTS"]`` replaces the defaults as a whole; a weight of 0 leaves a rate out."""
    weights = settings.HUIYIN.get("RANKING_WEIGHTS", DEFAULT_WEIGHTS)
    unknown = set(weights) - set(SCORED)
    if unknown or any(float(weight) < 0 for weight in weights.values()):
        raise ImproperlyConfigured(f"RANKING_WEIGHTS takes non-negative weights for {', '.join(SCORED)}.")
    return {name: float(weights.get(name, 0)) for name in SCORED}


def _grouped_counts(
    source: Source,
    definitions: dict[str, Figure],
    columns: tuple[str, ...],
    scope: frozenset[int] | None,
    *,
    by_cadre: bool = False,
) -> dict[tuple, dict[str, int]]:
    """One GROUP BY query over a source: per group, the numerator, half and denominator count of each figure."""
    own = {name: figure for name, figure in definitions.items() if figure.source == source}
    annotations, wanted = {}, []
    for name, figure in own.items():
        counted = "case" if figure.per_case else "enterprise" if figure.per_enterprise else "pk"
        distinct = figure.per_case or figure.per_enterprise
        parts: tuple[tuple[str, Q | None], ...] = (("h", figure.half), ("d", figure.denominator))
        if figure.misses is not None:
            parts += (("m", figure.denominator & figure.misses),)  # type: ignore[operator]  # misses need a denominator
        else:
            parts += (("n", figure.numerator_for(by_cadre=by_cadre)),)
        for suffix, q in parts:
            if q is not None:
                annotations[f"{name}_{suffix}"] = Count(counted, filter=q, distinct=distinct)
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


def _build_row(unit: Unit, cadre: User | None, counted: dict[str, int]) -> Row:
    return Row(unit=unit, cadre=cadre, tier=TIER_OF_KIND.get(unit.kind, Tier.OTHER), counted=counted)


def _score_and_rank(rows: list[Row], weights: dict[str, float]) -> None:
    """Weighted mean over the rates with data (weights renormalised); competition ranking within each tier."""
    used = {name: weight for name, weight in weights.items() if weight > 0}
    for row in rows:
        rates = {name: row.ratio(name).rate for name in used}
        row.missing = tuple(name for name, rate in rates.items() if rate is None)
        present = {name: weight for name, weight in used.items() if name not in row.missing}
        total = sum(present.values())
        if total:
            # The ignore: ``present`` holds only the rates that are not None.
            row.score = round(100 * sum(weight * rates[name] for name, weight in present.items()) / total, 2)  # type: ignore[operator, misc]
    for tier in RANKED_TIERS:
        scored = sorted((row for row in rows if row.tier == tier and row.score is not None), key=lambda r: -r.score)  # type: ignore[operator]  # not None
        for position, row in enumerate(scored, start=1):
            previous = scored[position - 2] if position > 1 else None
            row.rank = previous.rank if previous is not None and previous.score == row.score else position


def _merged(parts: Iterable[dict[tuple, dict[str, int]]]) -> dict[tuple, dict[str, int]]:
    result: dict[tuple, dict[str, int]] = {}
    for part in parts:
        for key, counted in part.items():
            if None not in key:
                result.setdefault(key, {}).update(counted)
    return result


def _ordered(table: Table, weights: dict[str, float]) -> Table:
    _score_and_rank(table.rows, weights)
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


def table_counts(*, period: Period, now: datetime, by: By, scope: frozenset[int] | None) -> dict[tuple, dict[str, int]]:
    """Per group (a unit, or a cadre and unit), the numerator, half and denominator of every figure, live."""
    definitions = figures(period, now)
    columns = {
        source: (UNIT_COLUMN[source],) if by == By.UNIT else (CADRE_COLUMN[source], UNIT_COLUMN[source])
        for source in Source
    }
    return _merged(
        _grouped_counts(source, definitions, columns[source], scope, by_cadre=by == By.CADRE) for source in Source
    )


def definitions_fingerprint() -> str:
    """What the figures' definitions depend on besides the code: a snapshot counted under other settings is
    not read."""
    return ",".join(str(rating) for rating in satisfied_ratings())


def snapshot_store(*, period: Period, by: By, now: datetime, counted: dict[tuple, dict[str, int]]) -> None:
    snapshot_keep(
        label=period.label,
        by=by,
        now=now,
        definitions=definitions_fingerprint(),
        counts=[[list(key), values] for key, values in counted.items()],
    )


def snapshot_keep(*, label: str, by: str, now: datetime, definitions: str, counts: list) -> None:
    """Replace the snapshot ``label``/``by`` (a period's table, or the trend's weeks) with ``counts`` as of now."""
    RatesSnapshot.objects.update_or_create(
        period=label, by=by, defaults={"counted_at": now, "definitions": definitions, "counts": counts}
    )


def recent_snapshot(*, label: str, by: str, now: datetime, definitions: str) -> RatesSnapshot | None:
    """The snapshot ``label``/``by`` if it is recent enough and counted under ``definitions`` (and not from after
    ``now``, which a travel back in time would otherwise read)."""
    return (
        RatesSnapshot.objects.filter(
            period=label,
            by=by,
            definitions=definitions,
            counted_at__lte=now,
            counted_at__gt=now - snapshot_max_age(),
        )
        .only("counts", "counted_at")
        .first()
    )


def snapshot_max_age() -> timedelta:
    return timedelta(minutes=settings.HUIYIN["RATES_SNAPSHOT_MINUTES"])


def _snapshot_counts(
    *, period: Period, now: datetime, by: By, scope: frozenset[int] | None
) -> tuple[dict[tuple, dict[str, int]], datetime] | None:
    """The latest snapshot's counts for the period, narrowed to ``scope``, if it is recent enough."""
    snapshot = recent_snapshot(label=period.label, by=by, now=now, definitions=definitions_fingerprint())
    if snapshot is None:
        return None
    counted = {tuple(key): values for key, values in snapshot.counts}
    if scope is not None:
        counted = {key: values for key, values in counted.items() if key[-1] in scope}
    return counted, snapshot.counted_at


def _counts(
    *, period: Period, now: datetime, by: By, scope: frozenset[int] | None, recent: bool
) -> tuple[dict[tuple, dict[str, int]], datetime]:
    """The counts of a table: from a recent snapshot when ``recent`` allows one, else counted live (and, when
    counted for everyone, kept as the period's snapshot)."""
    if recent and snapshot_max_age() > timedelta(0):
        kept = _snapshot_counts(period=period, now=now, by=by, scope=scope)
        if kept is not None:
            return kept
        counted = table_counts(period=period, now=now, by=by, scope=None)
        snapshot_store(period=period, by=by, now=now, counted=counted)
        if scope is not None:
            counted = {key: values for key, values in counted.items() if key[-1] in scope}
        return counted, now
    return table_counts(period=period, now=now, by=by, scope=scope), now


def unit_table(*, period: Period, now: datetime, scope: frozenset[int] | None, recent: bool = False) -> Table:
    """One row per unit: every unit with figures, and every active unit of a ranked tier (unranked without data).

    ``recent``: a snapshot counted up to ``HUIYIN["RATES_SNAPSHOT_MINUTES"]`` ago will do (the rankings); without
    it the figures are counted at ``now`` (a circular's snapshot).
    """
    counted, counted_at = _counts(period=period, now=now, by=By.UNIT, scope=scope, recent=recent)
    unit_ids = {unit_id for (unit_id,) in counted}
    units = Unit.objects.filter(Q(pk__in=unit_ids) | Q(is_active=True, kind__in=list(TIER_OF_KIND)))
    if scope is not None:
        units = units.filter(pk__in=scope)
    weights = ranking_weights()
    rows = [_build_row(unit, None, counted.get((unit.pk,), {})) for unit in units]
    return _ordered(Table(period=period, by=By.UNIT, weights=weights, rows=rows, counted_at=counted_at), weights)


def cadre_table(*, period: Period, now: datetime, scope: frozenset[int] | None, recent: bool = False) -> Table:
    """One row per cadre and unit they answered for: a cadre of two units is judged in each, in its tier."""
    counted, counted_at = _counts(period=period, now=now, by=By.CADRE, scope=scope, recent=recent)
    units = Unit.objects.in_bulk({unit_id for _cadre, unit_id in counted})
    cadres = User.objects.only("username", "first_name", "last_name").in_bulk({cadre_id for cadre_id, _unit in counted})
    weights = ranking_weights()
    rows = [_build_row(units[unit_id], cadres[cadre_id], values) for (cadre_id, unit_id), values in counted.items()]
    return _ordered(Table(period=period, by=By.CADRE, weights=weights, rows=rows, counted_at=counted_at), weights)


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
    q: Q | None
    if part == Part.NUMERATOR:
        q, at = figure.numerator, figure.numerator_at
    else:
        q, at = figure.denominator, figure.denominator_at
    if q is None:
        message = _("This figure is a count; it has no denominator.")
        raise InvalidInput(message, code="part", fields={"part": [message]})
    if figure.per_enterprise:
        message = _("This figure counts enterprises, not cases: its drill-down lists enterprises.")
        raise InvalidInput(message, code="metric", fields={"metric": [message]})
    source = figure.source
    judged = _judged(source, scope=scope, unit_id=unit_id, cadre_id=cadre_id)
    rows = MODEL[source].objects.filter(q, judged)
    if figure.per_case:
        return _case_rows(rows, figure=figure, part=part, judged=judged, at=at)
    if source == Source.CYCLES:
        rows = rows.values(
            "case_id", "due_at", "outcome", "breached", number=F("case__number"), title=F("case__title"), at=F(at)
        )
    elif source == Source.RECTIFICATIONS:
        rows = rows.values("case_id", "due_at", "state", number=F("case__number"), title=F("case__title"), at=F(at))
    else:
        rows = rows.values("number", "title", "resolution_type", "satisfaction", "closure", case_id=F("pk"), at=F(at))
    return rows.order_by("at", "case_id", "pk")


def _judged(source: Source, *, scope: frozenset[int] | None, unit_id: int | None, cadre_id: int | None) -> Q:
    """The rows of the units (and the cadre) a drill-down asks for, within the user's scope."""
    if unit_id is not None and scope is not None and unit_id not in scope:
        raise NotPermitted(_("This unit is outside your jurisdiction."))
    judged = Q()
    if scope is not None:
        judged &= Q(**{f"{UNIT_COLUMN[source]}__in": scope})
    if unit_id is not None:
        judged &= Q(**{UNIT_COLUMN[source]: unit_id})
    if cadre_id is not None:
        judged &= Q(**{CADRE_COLUMN[source]: cadre_id})
    return judged


def figure_enterprises(
    *,
    period: Period,
    now: datetime,
    metric: str,
    part: EnterprisePart,
    scope: frozenset[int] | None,
    unit_id: int | None = None,
    cadre_id: int | None = None,
) -> QuerySet[Enterprise]:
    """The enterprises behind one figure of enterprises, each once, by name, with their latest visit (ever):
    exactly those its numerator or denominator counted, or the denominator's the numerator left out."""
    figure = figures(period, now)[metric]
    if not figure.per_enterprise:
        message = _("This figure counts cases: its drill-down lists cases.")
        raise InvalidInput(message, code="metric", fields={"metric": [message]})
    judged = _judged(figure.source, scope=scope, unit_id=unit_id, cadre_id=cadre_id)
    rows = MODEL[figure.source].objects.filter(judged)
    counted = rows.filter(figure.numerator_for(by_cadre=cadre_id is not None)).values("enterprise_id")
    served = rows.filter(figure.denominator).values("enterprise_id")
    enterprises = Enterprise.objects.select_related("township")
    if part == EnterprisePart.NUMERATOR:
        enterprises = enterprises.filter(pk__in=counted)
    elif part == EnterprisePart.DENOMINATOR:
        enterprises = enterprises.filter(pk__in=served)
    else:
        enterprises = enterprises.filter(pk__in=served).exclude(pk__in=counted)
    return enterprises.annotate(last_visit_at=last_visit_q()).order_by("name", "pk")


def _case_rows(rows: QuerySet, *, figure: Figure, part: Part, judged: Q, at: str) -> QuerySet:
    """A per-case figure's clocks, one row per case: its latest counted moment (for the on-time rate, its
    latest counted deadline), when it was last resolved on them (None while running), and whether one of
    them was missed."""
    missed = figure.misses if figure.misses is not None else Q(pk__in=[])
    if figure.misses is not None and part == Part.NUMERATOR:
        late = DeadlineCycle.objects.filter(figure.denominator & figure.misses, judged).values("case_id")  # type: ignore[operator]  # as above
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
