"""The rankings of units and cadres (rates and score) with their charts, and the drill-down from a figure to the
cases and enterprises it counts. Views parse, call ``supervision.rates`` selectors, render.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Closure, ResolutionType, Satisfaction
from core import links
from core.errors import ApplicationError, NotPermitted
from core.pagination import KeysFirstPaginator
from enterprises.models import Unit
from supervision.rates.figures import (
    COUNTS,
    ENTERPRISE_FIGURES,
    GOOD_RATINGS,
    RATES,
    Source,
    figures,
    formulas,
    ratings_text,
    satisfied_ratings,
)
from supervision.rates.periods import Period
from supervision.rates.permissions import rated_units_for_user
from supervision.rates.selectors import By, EnterprisePart, Part, Row, Tier, cadre_table, unit_table
from supervision.rates.selectors import figure_cases as figure_case_rows
from supervision.rates.selectors import figure_enterprises as figure_enterprise_rows
from supervision.rates.trends import overdue_by_week
from workflow import clock
from workflow.models import ClockOutcome

from ..charts import bar_chart, line_chart
from ..forms.supervision import EnterpriseFigureForm, FigureForm, RatesForm
from ..paging import query_without_page
from ..templatetags.casework import person
from .supervision import refused

User = get_user_model()

FIGURE_CASES_PAGE_SIZE = 25
# A district's units fit on one page; a province's two thousand cadres, in tier and rank order, take twenty: on one
# page their 46,000 linked figures and 2,000 bars made 12 MB and took a second to draw.
RANKING_PAGE_SIZE = 100

FIGURE_NAMES = {
    "score": gettext_lazy("Score"),
    "response": gettext_lazy("Response rate"),
    "on_time": gettext_lazy("On-time rate"),
    "resolution": gettext_lazy("Resolution rate"),
    "satisfaction": gettext_lazy("Satisfaction rate"),
    "good_rating": gettext_lazy("Good-rating rate"),
    "send_back": gettext_lazy("Send-back rate"),
    "reopen": gettext_lazy("Reopen rate"),
    "extension": gettext_lazy("Approved extensions"),
    "paused": gettext_lazy("Paused cases"),
    "overdue": gettext_lazy("Overdue now"),
    "no_answer": gettext_lazy("Closed without an answer"),
    "appeal_upheld": gettext_lazy("Appeals upheld"),
    "rectification_overdue": gettext_lazy("Rectifications overdue"),
    "recheck_failed": gettext_lazy("Failed re-checks"),
    "visit_coverage": gettext_lazy("Visit coverage"),
}
TIER_NAMES = {
    Tier.BUREAU: gettext_lazy("Bureaus"),
    Tier.LOCAL: gettext_lazy("Townships and street offices"),
    Tier.OTHER: gettext_lazy("Other units (not ranked)"),
}


@dataclass
class Cell:
    """One figure of a ranking row: its rate (or count), the link to the cases behind it, and its cell drawn."""

    name: str
    label: str
    rate_text: str
    numerator_url: str
    markup: SafeString
    is_count: bool = False


@dataclass
class RankRow:
    row: Row
    name: str
    score_text: str
    missing_text: str = ""
    cells: list[Cell] = field(default_factory=list)

    # The page shows the rates and the counts in two tables, so that each fits the screen.

    @property
    def rate_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if not cell.is_count]

    @property
    def count_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.is_count]


def counted_ratings(metric: str) -> str:
    """The ratings a rating figure counts as satisfied, so its column says exactly what it counts."""
    ratings = {"satisfaction": satisfied_ratings(), "good_rating": GOOD_RATINGS}.get(metric)
    return ratings_text(ratings) if ratings else ""


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def count_text(number: float) -> str:
    """Half counts come from partly solved cases: 16.5 stays 16.5, 17.0 reads 17."""
    return f"{number:g}"


class RankingCells:
    """The cells of a period's ranking rows, drawn here rather than by the template, with what every cell shares
    (the figures' names, the words of the links, each figure's drill-down address) made and escaped once a page;
    what each cell adds is numbers and ids, which need no escaping.

    A row has 23 linked figures: drawn by the template, a cell's dozen nodes and an address encoded for each link
    took most of the page's time (the unit ranking's 1,300 links: 20 of 32 ms).
    """

    def __init__(self, period: Period) -> None:
        self.labels = {metric: str(name) for metric, name in FIGURE_NAMES.items()}
        self.labels_html = {metric: escape(label) for metric, label in self.labels.items()}
        self.numerator, self.denominator = escape(_("numerator")), escape(_("denominator"))
        self.cases, self.enterprises = escape(_("the cases")), escape(_("the enterprises"))
        self.addresses = {
            (metric, part): self._address(period, metric, part) for metric in (*RATES, *COUNTS) for part in Part
        }
        self.addresses_html = {key: escape(address) for key, address in self.addresses.items()}

    @staticmethod
    def _address(period: Period, metric: str, part: Part) -> str:
        page = "web:rates-enterprises" if metric in ENTERPRISE_FIGURES else "web:rates-cases"
        return f"{links.fixed_url(page)}?{urlencode({'period': period.label, 'metric': metric, 'part': part.value})}"

    def row(self, row: Row) -> RankRow:
        """A ranking's row as the page shows it."""
        name = row.unit.name if row.cadre is None else f"{person(row.cadre)} · {row.unit.name}"
        whose = f"&unit={row.unit.pk}" if row.cadre is None else f"&unit={row.unit.pk}&cadre={row.cadre.pk}"
        cells = [self._rate(row, metric, whose) for metric in RATES]
        cells += [self._count(row, metric, whose) for metric in COUNTS]
        score = "—" if row.score is None else f"{row.score:.2f}"
        missing = " / ".join(self.labels[metric] for metric in row.missing)
        return RankRow(row=row, name=name, score_text=score, missing_text=missing, cells=cells)

    def _link(self, metric: str, part: Part, whose: str, text: str, aria_label: str) -> str:
        """A link to the cases (or enterprises) behind a figure's part: the address escaped once a page, the ids and
        numbers needing none."""
        href = self.addresses_html[metric, part] + whose.replace("&", "&amp;")
        return f'<a href="{href}" aria-label="{aria_label}">{text}</a>'

    def _rate(self, row: Row, metric: str, whose: str) -> Cell:
        ratio, label = row.ratios[metric], self.labels_html[metric]
        rate, numerator, denominator = percent(ratio.rate), count_text(ratio.numerator), str(ratio.denominator)
        what = self.enterprises if metric in ENTERPRISE_FIGURES else self.cases
        numerator_link = self._link(
            metric, Part.NUMERATOR, whose, numerator, f"{label} {self.numerator} {numerator}: {what}"
        )
        denominator_link = self._link(
            metric, Part.DENOMINATOR, whose, denominator, f"{label} {self.denominator} {denominator}: {what}"
        )
        markup = (
            f'<span class="rate">{rate}</span> <span class="muted fraction">{numerator_link}/{denominator_link}</span>'
        )
        url = self.addresses[metric, Part.NUMERATOR] + whose
        return Cell(metric, self.labels[metric], rate, url, mark_safe(markup))

    def _count(self, row: Row, metric: str, whose: str) -> Cell:
        label, count = self.labels_html[metric], str(row.counts[metric])
        markup = self._link(metric, Part.NUMERATOR, whose, count, f"{label} {count}: {self.cases}")
        url = self.addresses[metric, Part.NUMERATOR] + whose
        return Cell(metric, self.labels[metric], count, url, mark_safe(markup), is_count=True)


def bar_value(row: RankRow, chart: str) -> tuple[float | None, str, str]:
    """The value a bar shows (0–100), its text and the drill-down it links to."""
    if chart == "score":
        return row.row.score, row.score_text, ""
    cell = next(cell for cell in row.cells if cell.name == chart)
    rate = row.row.ratios[chart].rate
    return (None if rate is None else 100 * rate), cell.rate_text, cell.numerator_url


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    try:
        scope = rated_units_for_user(request.user)
    except NotPermitted as refusal:
        return refused(request, refusal.message)
    now = clock.now()
    form = RatesForm(request.GET or None, now=now, figure_names={k: str(v) for k, v in FIGURE_NAMES.items()})
    period, by, chart = form.choice()
    build = unit_table if by == By.UNIT else cadre_table
    table = build(period=period, now=now, scope=scope, recent=True)
    page = KeysFirstPaginator(table.rows, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    cells = RankingCells(period)
    rows = [cells.row(row) for row in page]
    tiers = [(TIER_NAMES[tier], [row for row in rows if row.row.tier == tier]) for tier in Tier]
    charted = sorted(
        ((row.name, *bar_value(row, chart)) for row in rows),
        key=lambda item: (item[1] is None, -(item[1] or 0)),
    )
    weeks = overdue_by_week(now=now, scope=scope, recent=True)
    return render(
        request,
        "web/supervision/rates.html",
        {
            "form": form,
            "table": table,
            "period": period,
            "by": by,
            "chart_name": FIGURE_NAMES[chart],
            "tiers": [(name, tier_rows) for name, tier_rows in tiers if tier_rows],
            "rate_headers": [(FIGURE_NAMES[name], counted_ratings(name)) for name in RATES],
            "count_headers": [FIGURE_NAMES[name] for name in COUNTS],
            "bars": bar_chart(charted, maximum=100),
            "weeks": weeks,
            "line": line_chart([(f"{week.monday:%m-%d}", week.overdue) for week in weeks]),
            "formulas": [(FIGURE_NAMES[name], text) for name, text in formulas().items()],
            "weights": [(FIGURE_NAMES[name], weight) for name, weight in table.weights.items() if weight],
            "page": page,
            "query": query_without_page(request),
        },
    )


def figure_row_display(row: dict) -> dict:
    """Codes of a drill-down row as words."""
    shown = dict(row)
    if row.get("outcome"):
        shown["outcome"] = ClockOutcome(row["outcome"]).label
    if row.get("resolution_type"):
        shown["resolution_type"] = ResolutionType(row["resolution_type"]).label
    if row.get("satisfaction"):
        shown["satisfaction"] = Satisfaction(row["satisfaction"]).label
    if row.get("closure"):
        shown["closure"] = Closure(row["closure"]).label
    return shown


def drill_down_subject(data: dict, scope: frozenset[int] | None) -> tuple[Unit | None, str]:
    """The unit a drill-down is about and the cadre's name, a cadre only when within the reader's units."""
    unit = Unit.objects.filter(pk=data["unit"]).first() if data.get("unit") else None
    cadres = User.objects.all() if scope is None else User.objects.filter(unit_memberships__unit_id__in=scope)
    cadre = cadres.filter(pk=data["cadre"]).first() if data.get("cadre") else None
    return unit, person(cadre)


@login_required
def figure_cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure of the rankings, exactly those it counted."""
    try:
        scope = rated_units_for_user(request.user)
    except NotPermitted as refusal:
        return refused(request, refusal.message)
    form = FigureForm(request.GET)
    if not form.is_valid():
        return render(request, "web/supervision/figure_cases.html", {"form": form}, status=400)
    data = form.cleaned_data
    part = Part(data.get("part") or Part.NUMERATOR)
    try:
        rows = figure_case_rows(
            period=data["period"],
            now=clock.now(),
            metric=data["metric"],
            part=part,
            scope=scope,
            unit_id=data.get("unit"),
            cadre_id=data.get("cadre"),
        )
    except NotPermitted as refusal:
        return refused(request, refusal.message)
    except ApplicationError as refusal:
        form.add_error("part", refusal.message)
        return render(request, "web/supervision/figure_cases.html", {"form": form}, status=400)
    figure = figures(data["period"], clock.now())[data["metric"]]
    page = KeysFirstPaginator(rows, FIGURE_CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    unit, cadre_name = drill_down_subject(data, scope)
    query = {name: request.GET[name] for name in ("period", "metric", "part", "unit", "cadre") if request.GET.get(name)}
    return render(
        request,
        "web/supervision/figure_cases.html",
        {
            "form": form,
            "page": page,
            "rows": [figure_row_display(row) for row in page],
            "figure_name": FIGURE_NAMES[data["metric"]],
            "formula": formulas()[data["metric"]],
            "part": part,
            "period": data["period"],
            "unit": unit,
            "cadre_name": cadre_name,
            "is_clock": figure.source == Source.CYCLES,
            "is_per_case": figure.per_case,
            "query": urlencode(query),
            "back_url": f"{reverse('web:rates')}?{urlencode({'period': data['period'].label})}",
        },
    )


@login_required
def figure_enterprises(request: HttpRequest) -> HttpResponse:
    """The enterprises behind a figure of enterprises (the visit coverage): visited, served, or not visited."""
    try:
        scope = rated_units_for_user(request.user)
    except NotPermitted as refusal:
        return refused(request, refusal.message)
    form = EnterpriseFigureForm(request.GET)
    if not form.is_valid():
        return render(request, "web/supervision/figure_enterprises.html", {"form": form}, status=400)
    data = form.cleaned_data
    part = EnterprisePart(data.get("part") or EnterprisePart.NUMERATOR)
    try:
        rows = figure_enterprise_rows(
            period=data["period"],
            now=clock.now(),
            metric=data["metric"],
            part=part,
            scope=scope,
            unit_id=data.get("unit"),
            cadre_id=data.get("cadre"),
        )
    except NotPermitted as refusal:
        return refused(request, refusal.message)
    page = KeysFirstPaginator(rows, FIGURE_CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    unit, cadre_name = drill_down_subject(data, scope)
    base = {name: request.GET[name] for name in ("period", "metric", "unit", "cadre") if request.GET.get(name)}
    parts = [
        (choice, f"{reverse('web:rates-enterprises')}?{urlencode({**base, 'part': choice.value})}")
        for choice in EnterprisePart
    ]
    return render(
        request,
        "web/supervision/figure_enterprises.html",
        {
            "form": form,
            "page": page,
            "figure_name": FIGURE_NAMES[data["metric"]],
            "formula": formulas()[data["metric"]],
            "part": part,
            "parts": parts,
            "period": data["period"],
            "unit": unit,
            "cadre_name": cadre_name,
            "query": urlencode({**base, "part": part.value}),
            "back_url": f"{reverse('web:rates')}?{urlencode({'period': data['period'].label})}",
        },
    )
