"""What each figure of docs/rates.md counts: the rows one Q object matches, and the moment that places a row in
the period. The tables and the drill-down (``selectors``) both read these definitions, so the cases behind a
figure are exactly the ones it counts.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy

from cases.models import Case, Closure, EventAction, ResolutionType, Satisfaction
from workflow.models import ClockKind, ClockOutcome
from workflow.selectors import clock_missed_q, clock_running_late_q

from ..ratings.models import Appeal, AppealState, rectification_overdue_q
from ..visits.models import Visit
from .periods import Period, within

# The rates a score may weigh; the default weights (``selectors.DEFAULT_WEIGHTS``) leave the visit coverage out.
SCORED = ("response", "on_time", "resolution", "satisfaction", "visit_coverage")
RATES = ("response", "on_time", "resolution", "satisfaction", "good_rating", "send_back", "reopen", "visit_coverage")
COUNTS = ("extension", "paused", "overdue", "no_answer", "appeal_upheld", "rectification_overdue", "recheck_failed")
# Figures that count enterprises rather than cases: they drill down to enterprises (``figure_enterprises``).
ENTERPRISE_FIGURES = ("visit_coverage",)
CASE_FIGURES = tuple(name for name in (*RATES, *COUNTS) if name not in ENTERPRISE_FIGURES)

FORMULAS = {
    "response": gettext_lazy(
        "Response rate: assignments signed for by the response deadline / assignments started in the period "
        "that were signed for, breached, or are past due (taken away before the deadline: not counted)"
    ),
    "on_time": gettext_lazy(
        "On-time rate (按期办结率): cases resolved by every resolution deadline of the unit that fell in the period "
        "/ cases with such a deadline, resolved or not, including cases past an earlier deadline and still "
        "unresolved in the period; each case counts once, and one missed deadline makes it late. A clock paused "
        "for the enterprise's material before its deadline is not counted; the resumed clock is"
    ),
    "resolution": gettext_lazy(
        "Resolution rate: (solved + ½ × partly solved) / cases closed in the period, withdrawn ones excluded"
    ),
    "send_back": gettext_lazy("Send-back rate: send-backs in the period / assignments started in the period"),
    "reopen": gettext_lazy(
        "Reopen rate: cases reopened in the period / cases resolved in the period, each case counted once"
    ),
    "extension": gettext_lazy("Extensions: approved extensions in the period"),
    "paused": gettext_lazy(
        "Paused cases: cases whose resolution clock was paused (挂起) in the period to wait for the enterprise's "
        "material, each once; the paused working days are not late"
    ),
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
    "visit_coverage": gettext_lazy(
        "Visit coverage (走访覆盖率): enterprises the unit served at any time in the period that its 包联 cadre or "
        "a head of the unit visited in the period / those enterprises; for a cadre, the enterprises they served "
        "and visited themselves / the enterprises they served"
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


class Source(StrEnum):
    CYCLES = "cycles"
    CASES = "cases"
    RECTIFICATIONS = "rectifications"
    SERVICES = "services"  # the periods of the enterprises' 包保 (``ServiceAssignment``)


@dataclass(frozen=True)
class Figure:
    """Which rows make a figure, and which timestamp places each row in the period.

    ``half`` rows are part of the numerator but weigh one half (partly solved cases).
    A figure without a denominator is a plain count. A ``per_case`` figure over clocks counts the
    cases its rows belong to, each once, not the rows. With ``misses``, the numerator is the
    denominator's cases that have none of those rows (a case with one missed deadline is late).
    A ``per_enterprise`` figure over 包保 periods counts the enterprises they serve, each once. A
    ``cadre_numerator`` replaces the numerator in a cadre's row, where the cadre's own work is a narrower
    thing than the unit's.
    """

    source: Source
    numerator: Q
    numerator_at: str
    denominator: Q | None = None
    denominator_at: str = ""
    half: Q | None = None
    per_case: bool = False
    misses: Q | None = None
    per_enterprise: bool = False
    cadre_numerator: Q | None = None

    def numerator_for(self, *, by_cadre: bool) -> Q:
        return self.cadre_numerator if by_cadre and self.cadre_numerator is not None else self.numerator


def upheld_appeal_q() -> Q:
    """Cases whose rating an upheld appeal took out of the rates (the rating itself stays on the case)."""
    upheld = Appeal.objects.filter(case_id=OuterRef("pk"), rated_at=OuterRef("closed_at"), state=AppealState.UPHELD)
    return Q(Exists(upheld))


def rated_cases_q(closed: Q) -> Q:
    """Closed cases whose rating counts: the one place every satisfaction figure and drill-down reads."""
    return closed & Q(satisfaction__isnull=False) & ~upheld_appeal_q()


def not_merged_q(source: Source) -> Q:
    """Rows of cases that count as cases of their own: a duplicate merged into another case (并单) is answered
    there, so none of its rows is in any figure, numerator or denominator. The cycles' test is NOT EXISTS, an
    anti-join on the case's key: a NOT IN over the merged cases is planned per row whenever the planner cannot
    tell how few they are (a fresh column without statistics took a ranking at a million cases from seconds to
    over ten minutes)."""
    if source == Source.CASES:
        return Q(merged_into__isnull=True)
    if source == Source.CYCLES:
        return ~Q(Exists(Case.objects.filter(pk=OuterRef("case_id"), merged_into__isnull=False)))
    return Q()


def _counted(figure: Figure) -> Figure:
    """The figure over the rows of cases that are not merged duplicates (``not_merged_q``)."""
    counted = not_merged_q(figure.source)
    return replace(
        figure,
        numerator=figure.numerator & counted,
        denominator=None if figure.denominator is None else figure.denominator & counted,
        half=None if figure.half is None else figure.half & counted,
        cadre_numerator=None if figure.cadre_numerator is None else figure.cadre_numerator & counted,
    )


def resolution_due_q(period: Period, now: datetime) -> Q:
    """Resolution clocks that make a case due (应办结) in the period, and are decided.

    Due in the period: its deadline fell in it, or fell before it and the clock still ran when the
    period began. Decided: resolved (met), or missed — ended after its deadline, or still running past
    it. A clock that ended before its deadline for another reason (sent back, moved to another unit,
    extended, paused for the enterprise's material, withdrawn) was no deadline of that unit's to meet, and
    one not yet due is not decided. While a case is paused no resolution clock runs, so it is due nowhere;
    the clock its resume starts is judged like any other.
    """
    due = within("due_at", period) | (
        Q(due_at__lt=period.start) & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.start))
    )
    return Q(kind=ClockKind.RESOLUTION) & due & (Q(outcome=ClockOutcome.MET) | resolution_missed_q(now))


def resolution_missed_q(now: datetime) -> Q:
    """A resolution clock that ended after its deadline, or still runs past it."""
    return clock_missed_q(now)


def served_in_q(period: Period) -> Q:
    """包保 periods that served their enterprise at some moment of the period (one ended the moment it began, as a
    change made twice in one step leaves, served nobody)."""
    ran = Q(ended_at__isnull=True) | (Q(ended_at__gt=F("started_at")) & Q(ended_at__gt=period.start))
    return Q(started_at__lt=period.end) & ran


def visited_in_q(period: Period, *, by_cadre: bool = False) -> Q:
    """包保 periods whose enterprise was visited in the period by the period's 包联 cadre or, for the unit, by a head
    of its responsible unit in that capacity: the unit's own visits, not the leader's nor the township's."""
    by_unit = Q(visitor_id=OuterRef("cadre_id"))
    if not by_cadre:
        by_unit |= Q(as_unit_head=True, unit_id=OuterRef("unit_id"))
    visits = Visit.objects.filter(within("visited_at", period), enterprise_id=OuterRef("enterprise_id")).filter(by_unit)
    return Q(Exists(visits))


def figures(period: Period, now: datetime) -> dict[str, Figure]:
    """The definitions of docs/rates.md, for one period, with "now" for what is running; merged duplicates
    are in none of them."""
    return {name: _counted(figure) for name, figure in _definitions(period, now).items()}


def _definitions(period: Period, now: datetime) -> dict[str, Figure]:
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
        # A pause ends the running resolution clock as "paused": counting those clocks' cases counts the cases
        # paused in the period, against the unit and assignee whose clock stopped.
        "paused": Figure(
            source=cycles,
            numerator=Q(kind=ClockKind.RESOLUTION, outcome=ClockOutcome.PAUSED) & within("ended_at", period),
            numerator_at="ended_at",
            per_case=True,
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
        "visit_coverage": Figure(
            source=Source.SERVICES,
            numerator=served_in_q(period) & visited_in_q(period),
            numerator_at="started_at",
            denominator=served_in_q(period),
            denominator_at="started_at",
            per_enterprise=True,
            cadre_numerator=served_in_q(period) & visited_in_q(period, by_cadre=True),
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
