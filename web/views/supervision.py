"""The supervisor's and leader's pages: the overdue board with urging, extension decisions, rankings with their
drill-down, and the leader's board. Views parse, call ``supervision`` selectors and ``workflow`` services, render.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Case, Closure, ResolutionType, Satisfaction, UrgingLevel
from cases.permissions import supervises
from cases.selectors import case_for_user
from core.errors import ApplicationError, Conflict, NotFound, NotPermitted
from enterprises.models import TASK_FORCE_MINIMUM, Unit
from supervision.board.permissions import may_see_board
from supervision.board.selectors import open_common_problems, served_enterprises, served_projects
from supervision.extensions.permissions import may_see_extension_desk
from supervision.extensions.selectors import (
    extensions_decided_recently,
    extensions_to_decide,
    pauses_decided_recently,
    pauses_to_decide,
)
from supervision.overdue.permissions import may_review_overdue
from supervision.overdue.selectors import (
    last_action_display,
    last_actor_name,
    overdue_cases,
    overdue_filtered,
    overdue_summary,
    paused_cases,
)
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
from supervision.urging.selectors import listed_cases
from workflow import clock
from workflow.models import ClockOutcome
from workflow.selectors import extensions_visible_to, pauses_visible_to, work_calendar
from workflow.services import case_urge, extension_decide, pause_decide

from ..actions import perform
from ..charts import bar_chart, line_chart
from ..forms.supervision import DecisionForm, EnterpriseFigureForm, FigureForm, OverdueFilterForm, RatesForm, UrgeForm

User = get_user_model()

OVERDUE_PAGE_SIZE = 25
# The paused cases the overdue board lists under the overdue ones; the ledger has them all.
PAUSED_SHOWN = 10
EXTENSIONS_PAGE_SIZE = 20
FIGURE_CASES_PAGE_SIZE = 25
LISTED_PAGE_SIZE = 20
ENTERPRISES_PAGE_SIZE = 10

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


def refused(request: HttpRequest, message) -> HttpResponse:
    return render(request, "web/supervision/refused.html", {"message": message}, status=403)


def page_query(filters: dict) -> str:
    return urlencode({name: value for name, value in filters.items() if value not in (None, "")})


def safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    """Back to the page the form was on, never to another site."""
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if target and allowed else reverse(fallback)


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- the overdue board ---------------------------------------------------------------------------------------


@dataclass
class OverdueRow:
    case: Case
    workdays_late: int
    last_action: str
    last_actor: str | None
    urge_form: UrgeForm | None


def urge_form_for(case: Case, *, next_url: str, data=None) -> UrgeForm:
    """The urging form of one case; ids are prefixed with the case so many forms share a page."""
    suggested = min(case.urging_level + 1, UrgingLevel.LISTED)
    return UrgeForm(
        data,
        auto_id=f"urge-{case.pk}-%s",
        initial={"level": suggested, "version": case.version, "next": next_url, "current_level": case.urging_level},
    )


def ledger_url_for(filters: dict, *, paused: bool = False) -> str:
    """The ledger page prefilled with what the board shows: overdue (or paused) cases of the chosen unit and
    category."""
    chosen = {"paused" if paused else "overdue": "on"}
    chosen |= {name: filters[name] for name in ("unit", "category") if filters.get(name)}
    return f"{reverse('web:ledger')}?{urlencode(chosen)}"


@login_required
def overdue_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_review_overdue(user):
        return refused(request, _("Only supervisors, leaders and dispatchers can see the overdue list."))
    scope = rated_units_for_user(user)
    # One moment and one calendar for the whole page, so the filter and every row count the same days.
    now, calendar = timezone.now(), work_calendar()
    form = OverdueFilterForm(request.GET or None, user=user, scope=scope)
    filters = form.filters()
    cases = overdue_cases(user, now=now, calendar=calendar, **filters)
    page = Paginator(cases, OVERDUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        OverdueRow(
            case=case,
            workdays_late=calendar.workdays_between(case.due_at, now),
            last_action=last_action_display(case),
            last_actor=last_actor_name(case),
            urge_form=urge_form_for(case, next_url=request.get_full_path()) if supervises(case, user) else None,
        )
        for case in page
    ]
    summary = overdue_summary(overdue_filtered(user, now=now, calendar=calendar, **filters))
    for level in summary["by_level"]:
        level["label"] = UrgingLevel(level["urging_level"]).label
    paused = paused_cases(user, **filters)
    query = page_query(filters)
    return render(
        request,
        "web/supervision/overdue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "summary": summary,
            "total": page.paginator.count,
            "query": query,
            "export_url": f"{reverse('api:overdue-export')}?{query}" if query else reverse("api:overdue-export"),
            "ledger_url": ledger_url_for(filters),
            "paused": list(paused[:PAUSED_SHOWN]),
            "paused_total": paused.count(),
            "paused_ledger_url": ledger_url_for(filters, paused=True),
            "now": now,
            "work_calendar": calendar,
        },
    )


def urge_checked(*, case: Case, user, form: UrgeForm, calendar) -> Case:
    """The urging, refused like the API's when the board showed an older copy of the case."""
    if form.cleaned_data["version"] != case.version:
        raise Conflict(_("Someone else changed this case a moment ago. Reload it and try again."), code="stale_case")
    return case_urge(
        case=case,
        acting_user=user,
        level=form.cleaned_data["level"],
        note=form.cleaned_data["note"],
        answer_due_at=form.answer_due_at(calendar),
    )


def visible_case(user, case_id: int) -> Case:
    try:
        return case_for_user(user, case_id)
    except NotFound:
        raise Http404 from None


@login_required
def overdue_urge(request: HttpRequest, case_id: int) -> HttpResponse:
    """The urging form of one case: posted from the board's row, shown on its own with the errors when wrong."""
    user = request.user
    case = visible_case(user, case_id)
    calendar = work_calendar()
    if request.method == "POST":
        form = urge_form_for(case, next_url="", data=request.POST)
        if form.is_valid():
            level = UrgingLevel(form.cleaned_data["level"])
            done = perform(
                request,
                lambda: urge_checked(case=case, user=user, form=form, calendar=calendar),
                success=_("%(number)s: urging level now “%(level)s”.") % {"number": case.number, "level": level.label},
            )
            if done is not None:
                return redirect(safe_next(request, form.cleaned_data["next"], "web:overdue"))
    else:
        if not supervises(case, user):
            return refused(
                request, _("Only a supervisor whose jurisdiction covers this case can change its urging level.")
            )
        form = urge_form_for(case, next_url=request.GET.get("next", ""))
    return render(
        request,
        "web/supervision/urge.html",
        {"case": case, "form": form, "work_calendar": calendar},
        status=400 if form.errors else 200,
    )


# --- extensions ----------------------------------------------------------------------------------------------


@login_required
def extensions(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_see_extension_desk(user):
        return refused(request, _("Only supervisors and unit heads decide on more time."))
    pending = Paginator(extensions_to_decide(user), EXTENSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    decided = Paginator(extensions_decided_recently(user, now=timezone.now()), EXTENSIONS_PAGE_SIZE).get_page(
        request.GET.get("decided_page")
    )
    forms = [(extension, DecisionForm(auto_id=f"decide-{extension.pk}-%s")) for extension in pending]
    pauses = [(pause, DecisionForm(auto_id=f"pause-{pause.pk}-%s")) for pause in pauses_to_decide(user)]
    pauses_decided = pauses_decided_recently(user, now=timezone.now())[:EXTENSIONS_PAGE_SIZE]
    return render(
        request,
        "web/supervision/extensions.html",
        {"pending": pending, "forms": forms, "decided": decided, "pauses": pauses, "pauses_decided": pauses_decided},
    )


@login_required
@require_POST
def pause_decision(request: HttpRequest, pause_id: int) -> HttpResponse:
    """A supervisor approves or rejects a pause beyond the limits (挂起) from the desk."""
    pause = pauses_visible_to(request.user).filter(pk=pause_id).first()
    if pause is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return redirect("web:extensions")
    approve = form.cleaned_data["decision"] == "approve"
    success = _("Pause of %(number)s approved.") if approve else _("Pause of %(number)s rejected.")
    perform(
        request,
        lambda: pause_decide(pause=pause, acting_user=request.user, approve=approve, note=form.cleaned_data["note"]),
        success=success % {"number": pause.case.number},
    )
    return redirect("web:extensions")


@login_required
@require_POST
def extension_decision(request: HttpRequest, extension_id: int) -> HttpResponse:
    extension = extensions_visible_to(request.user).filter(pk=extension_id).first()
    if extension is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return redirect("web:extensions")
    approve = form.cleaned_data["decision"] == "approve"
    success = _("More time for %(number)s approved.") if approve else _("More time for %(number)s rejected.")
    perform(
        request,
        lambda: extension_decide(
            extension=extension, acting_user=request.user, approve=approve, note=form.cleaned_data["note"]
        ),
        success=success % {"number": extension.case.number},
    )
    return redirect("web:extensions")


# --- rankings ------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One figure of a ranking row: its rate (or count) and the links to the cases behind its parts."""

    name: str
    label: str
    rate_text: str
    numerator_text: str = ""
    denominator_text: str = ""
    numerator_url: str = ""
    denominator_url: str = ""
    is_count: bool = False
    of_enterprises: bool = False


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


def figure_url(period: Period, metric: str, part: Part, row: Row) -> str:
    """The drill-down of one part of a figure: its cases, or for a figure of enterprises its enterprises."""
    query = {"period": period.label, "metric": metric, "part": part.value, "unit": row.unit.pk}
    if row.cadre is not None:
        query["cadre"] = row.cadre.pk
    page = "web:rates-enterprises" if metric in ENTERPRISE_FIGURES else "web:rates-cases"
    return f"{reverse(page)}?{urlencode(query)}"


def rank_row(row: Row, period: Period) -> RankRow:
    name = row.unit.name if row.cadre is None else f"{person_name(row.cadre)} · {row.unit.name}"
    cells = []
    for metric in RATES:
        ratio = row.ratios[metric]
        cells.append(
            Cell(
                name=metric,
                label=str(FIGURE_NAMES[metric]),
                rate_text=percent(ratio.rate),
                numerator_text=count_text(ratio.numerator),
                denominator_text=str(ratio.denominator),
                numerator_url=figure_url(period, metric, Part.NUMERATOR, row),
                denominator_url=figure_url(period, metric, Part.DENOMINATOR, row),
                of_enterprises=metric in ENTERPRISE_FIGURES,
            )
        )
    for metric in COUNTS:
        cells.append(
            Cell(
                name=metric,
                label=str(FIGURE_NAMES[metric]),
                rate_text=str(row.counts[metric]),
                numerator_url=figure_url(period, metric, Part.NUMERATOR, row),
                is_count=True,
            )
        )
    score = "—" if row.score is None else f"{row.score:.2f}"
    missing = " / ".join(str(FIGURE_NAMES[metric]) for metric in row.missing)
    return RankRow(row=row, name=name, score_text=score, missing_text=missing, cells=cells)


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
    rows = [rank_row(row, period) for row in table.rows]
    tiers = [(TIER_NAMES[tier], [row for row in rows if row.row.tier == tier]) for tier in Tier]
    charted = sorted(
        ((row.name, *bar_value(row, chart)) for row in rows),
        key=lambda item: (item[1] is None, -(item[1] or 0)),
    )
    weeks = overdue_by_week(now=now, scope=scope)
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
    page = Paginator(rows, FIGURE_CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    unit = Unit.objects.filter(pk=data["unit"]).first() if data.get("unit") else None
    cadres = User.objects.all() if scope is None else User.objects.filter(unit_memberships__unit_id__in=scope)
    cadre = cadres.filter(pk=data["cadre"]).first() if data.get("cadre") else None
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
            "cadre_name": person_name(cadre),
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
    page = Paginator(rows, FIGURE_CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    unit = Unit.objects.filter(pk=data["unit"]).first() if data.get("unit") else None
    cadres = User.objects.all() if scope is None else User.objects.filter(unit_memberships__unit_id__in=scope)
    cadre = cadres.filter(pk=data["cadre"]).first() if data.get("cadre") else None
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
            "cadre_name": person_name(cadre),
            "query": urlencode({**base, "part": part.value}),
            "back_url": f"{reverse('web:rates')}?{urlencode({'period': data['period'].label})}",
        },
    )


# --- the leader's board --------------------------------------------------------------------------------------


@login_required
def leader_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_see_board(user):
        return refused(request, _("Only leaders and supervisors have a board of listed cases."))
    listed = Paginator(listed_cases(user), LISTED_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, last_action_display(case), last_actor_name(case)) for case in listed]
    enterprises = Paginator(served_enterprises(user), ENTERPRISES_PAGE_SIZE).get_page(
        request.GET.get("enterprises_page")
    )
    projects = Paginator(served_projects(user), ENTERPRISES_PAGE_SIZE).get_page(request.GET.get("projects_page"))
    return render(
        request,
        "web/supervision/board.html",
        {
            "listed": listed,
            "rows": rows,
            "enterprises": enterprises,
            "projects": projects,
            "common_problems": open_common_problems(user),
            "task_force_minimum": TASK_FORCE_MINIMUM,
            "now": timezone.now(),
        },
    )
