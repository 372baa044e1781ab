"""After a bad rating, in the browser: rectifications (整改) with the unit's report and the supervisor's
acceptance or return, and appeals (申诉) filed by the unit and decided by a supervisor.

Rows come through ``supervision.ratings.selectors`` (the cases an official sees); the forms offered come from
the rows' django-fsm transitions and the appeal's rule (``ratings.permissions``); every form calls the services.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.selectors import cases_visible_officially_to
from core.errors import NotFound
from core.links import fixed_url
from core.pagination import KeysFirstPaginator, TotalInPagePaginator, total_of
from enterprises.access import roles_for_user
from supervision.ratings import services
from supervision.ratings.models import Rectification, rectification_overdue_q
from supervision.ratings.selectors import (
    appealable_case_ids,
    appeals_visible_to,
    rectifications_visible_in_parts,
    rectifications_visible_to,
    row_for_user,
)
from workflow import clock
from workflow.selectors import work_calendar
from workflow.workdays import WorkCalendar

from ..actions import perform
from ..forms.ratings import (
    AcceptRectificationForm,
    AppealDecisionForm,
    AppealFilterForm,
    AppealForm,
    RectificationFilterForm,
    ReturnRectificationForm,
    SubmitReportForm,
)
from ..paging import query_without_page
from .supervision import refused, safe_next

PAGE_SIZE = 20

# The page's name of each rectification transition, its form and the service it calls.
RECTIFICATION_ACTIONS = {
    "submit": (
        "submit",
        SubmitReportForm,
        lambda row, user, data: services.rectification_submit(
            rectification=row, acting_user=user, report=data["report"]
        ),
        gettext_lazy("Your report was sent to the supervisors."),
    ),
    "accept": (
        "accept",
        AcceptRectificationForm,
        lambda row, user, data: services.rectification_accept(rectification=row, acting_user=user, note=data["note"]),
        gettext_lazy("The rectification was accepted."),
    ),
    "return": (
        "send_back",
        ReturnRectificationForm,
        lambda row, user, data: services.rectification_return(
            rectification=row, acting_user=user, reason=data["reason"], due_date=data["due_date"]
        ),
        gettext_lazy("The rectification was returned to the unit."),
    ),
}


# What a row's offered form is called on the page: its summary, its button and the button's tone.
ACTION_WORDS = {
    "submit": (gettext_lazy("Report what was done"), gettext_lazy("Submit the report"), "primary"),
    "accept": (gettext_lazy("Accept"), gettext_lazy("Accept the rectification"), "primary"),
    "return": (gettext_lazy("Return"), gettext_lazy("Return to the unit"), "danger"),
    "appeal": (gettext_lazy("Appeal the rating"), gettext_lazy("File the appeal"), ""),
}


@dataclass(frozen=True)
class RowAction:
    """A form a row offers, where it is sent and its words."""

    form: Form
    url: str
    summary: str
    button: str
    tone: str


def row_action(name: str, form: Form, url: str) -> RowAction:
    summary, button, tone = ACTION_WORDS[name]
    return RowAction(form, url, summary, button, tone)


@dataclass
class RectificationRow:
    rectification: Rectification
    actions: list[RowAction]


def rectification_rows(
    request: HttpRequest, page, bound: dict, *, calendar: WorkCalendar, now: datetime
) -> list[RectificationRow]:
    """Each row with the forms its transitions offer this user, and the appeal form where they may appeal."""
    user = request.user
    appealable = appealable_case_ids((row.case for row in page), user, calendar=calendar, now=now)
    rows = []
    for rectification in page:
        offered = {transition.name for transition in rectification.get_available_user_state_transitions(user)}
        actions = [
            row_action(
                name,
                bound.get((rectification.pk, name)) or form_class(auto_id=f"{name}-{rectification.pk}-%s"),
                reverse("web:rectification-action", args=[rectification.pk, name]),
            )
            for name, (transition, form_class, _run, _success) in RECTIFICATION_ACTIONS.items()
            if transition in offered
        ]
        case = rectification.case
        if case.pk in appealable:
            form = bound.get((rectification.pk, "appeal")) or AppealForm(
                auto_id=f"appeal-{rectification.pk}-%s", initial={"case": case.pk, "next": request.get_full_path()}
            )
            actions.append(row_action("appeal", form, fixed_url("web:appeal-file")))
        rows.append(RectificationRow(rectification, actions))
    return rows


# What the list's rows show of a rectification's relations. Not who decided it: the seventh joined table made
# PostgreSQL plan the page for 3.6 ms (1.3 without it) to run it in 0.3.
LISTED_RELATIONS = ("case", "case__enterprise", "unit", "assignee", "submitted_by")
# Their columns the rows show, and those the rules of the forms they offer read (who answers for the case,
# whether its rating may still be appealed, the township's jurisdiction): read whole, the cases' descriptions
# and the people's password hashes cost the page more than its query. A column a row starts to show must be
# added here, or each row reads it with a query of its own (the pinned query counts catch that).
LISTED_COLUMNS = (
    *("id", "satisfaction", "rated_at", "state", "due_at", "report", "submitted_at", "decision_note", "return_count"),
    *("unit__name", "assignee__username", "assignee__first_name", "assignee__last_name"),
    *("submitted_by__username", "submitted_by__first_name", "submitted_by__last_name"),
    *("case__number", "case__title", "case__state", "case__satisfaction", "case__closed_at"),
    *("case__assignee_id", "case__responsible_unit_id", "case__enterprise__name", "case__enterprise__township_id"),
)


def filtered_rectifications(user, form: RectificationFilterForm):
    """The rectifications the filters choose, in the list's order, each carrying the number of them all
    (``total``, read by ``TotalInPagePaginator``): the page and its count in one query."""
    chosen = form.cleaned_data if form.is_valid() else {}
    filters = Q()
    if chosen.get("state"):
        filters &= Q(state=chosen["state"])
    if chosen.get("overdue"):
        filters &= rectification_overdue_q(clock.now())
    rows = rectifications_visible_to(user).filter(filters).select_related(None).select_related(*LISTED_RELATIONS)
    total = total_of(*(part.filter(filters) for part in rectifications_visible_in_parts(user)))
    return rows.only(*LISTED_COLUMNS).order_by("due_at", "id").annotate(total=total)


def rectifications_page(request: HttpRequest, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    if not roles_for_user(user).is_official:
        return refused(request, _("Rectifications and appeals are for government officials."))
    filters = RectificationFilterForm(request.GET)
    page = TotalInPagePaginator(filtered_rectifications(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = query_without_page(request)
    # The rows' appeal windows and the deadlines shown read the same calendar: given to the page, it is read once.
    now, calendar = clock.now(), work_calendar()
    rows = rectification_rows(request, page, bound or {}, calendar=calendar, now=now)
    return render(
        request,
        "web/ratings/rectifications.html",
        {"filters": filters, "page": page, "rows": rows, "query": query, "now": now, "work_calendar": calendar},
        status=status,
    )


@login_required
def rectifications(request: HttpRequest) -> HttpResponse:
    return rectifications_page(request)


def visible_rectification(user, rectification_id: int) -> Rectification:
    try:
        return row_for_user(rectifications_visible_to(user), rectification_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_POST
def rectification_action(request: HttpRequest, rectification_id: int, action: str) -> HttpResponse:
    """Report, accept or return one rectification; incomplete input is shown again beside its fields."""
    if action not in RECTIFICATION_ACTIONS:
        raise Http404
    rectification = visible_rectification(request.user, rectification_id)
    _transition, form_class, run, success = RECTIFICATION_ACTIONS[action]
    form = form_class(request.POST, auto_id=f"{action}-{rectification.pk}-%s")
    if not form.is_valid():
        return rectifications_page(request, bound={(rectification.pk, action): form}, status=400)
    perform(request, lambda: run(rectification, request.user, form.cleaned_data), success=str(success))
    return redirect(safe_next(request, request.POST.get("next", ""), "web:rectifications"))


# --- appeals ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def appeal_file(request: HttpRequest) -> HttpResponse:
    """File an appeal of a bad rating, from the row of its rectification."""
    form = AppealForm(request.POST)
    if not form.is_valid():
        case_id = request.POST.get("case", "")
        rectification = (
            rectifications_visible_to(request.user).filter(case_id=case_id).first() if case_id.isdigit() else None
        )
        if rectification is None:
            raise Http404
        form.auto_id = f"appeal-{rectification.pk}-%s"
        return rectifications_page(request, bound={(rectification.pk, "appeal"): form}, status=400)
    try:
        case = row_for_user(
            cases_visible_officially_to(request.user).select_related("enterprise"), form.cleaned_data["case"]
        )
    except NotFound:
        raise Http404 from None
    appeal = perform(
        request,
        lambda: services.appeal_file(
            case=case, acting_user=request.user, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"]
        ),
        success=_("The appeal of the rating of %(number)s was sent to the supervisors.") % {"number": case.number},
    )
    if appeal is not None:
        return redirect("web:appeals")
    return redirect(safe_next(request, form.cleaned_data["next"], "web:rectifications"))


@login_required
def appeals(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not roles_for_user(user).is_official:
        return refused(request, _("Rectifications and appeals are for government officials."))
    filters = AppealFilterForm(request.GET)
    rows = appeals_visible_to(user).order_by("-filed_at", "-id")
    if filters.is_valid() and filters.cleaned_data.get("state"):
        rows = rows.filter(state=filters.cleaned_data["state"])
    page = KeysFirstPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    decisions = []
    for appeal in page:
        offered = {transition.name for transition in appeal.get_available_user_state_transitions(user)}
        form = AppealDecisionForm(auto_id=f"decide-{appeal.pk}-%s") if offered & {"uphold", "reject"} else None
        decisions.append((appeal, form))
    query = query_without_page(request)
    return render(
        request,
        "web/ratings/appeals.html",
        {"filters": filters, "page": page, "decisions": decisions, "query": query},
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    try:
        appeal = row_for_user(appeals_visible_to(request.user), appeal_id)
    except NotFound:
        raise Http404 from None
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        # The decision form sits in a list row: its problems are told above the list.
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("web:appeals")
    uphold = form.cleaned_data["decision"] == "uphold"
    success = (
        _("The appeal of %(number)s was upheld: the rating no longer counts.")
        if uphold
        else _("The appeal of %(number)s was rejected: the rating counts.")
    )
    perform(
        request,
        lambda: services.appeal_decide(
            appeal=appeal, acting_user=request.user, uphold=uphold, note=form.cleaned_data["note"]
        ),
        success=success % {"number": appeal.case.number},
    )
    return redirect("web:appeals")
