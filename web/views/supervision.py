"""The supervisor's and leader's pages: the overdue board with urging, extension decisions and the leader's board
(the rankings are in ``rankings.py``). Views parse, call ``supervision`` selectors and ``workflow`` services, render.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Case, UrgingLevel
from cases.permissions import supervises
from cases.selectors import case_for_user
from core.errors import Conflict, NotFound
from core.pagination import KeysFirstPaginator, TotalInPagePaginator
from enterprises.models import TASK_FORCE_MINIMUM
from supervision.board.permissions import may_see_board
from supervision.board.selectors import (
    open_common_problems,
    served_enterprise_count,
    served_enterprises,
    served_projects,
    with_open_cases,
)
from supervision.extensions.permissions import may_see_extension_desk
from supervision.extensions.selectors import (
    extensions_decided_recently,
    extensions_to_decide,
    pauses_decided_recently,
    pauses_to_decide,
)
from supervision.overdue.permissions import may_review_overdue
from supervision.overdue.selectors import (
    LastEvent,
    last_event_of,
    overdue_cases,
    overdue_filtered,
    overdue_summary,
    paused_cases,
)
from supervision.rates.permissions import rated_units_for_user
from supervision.urging.selectors import listed_cases
from workflow.selectors import extensions_visible_to, pauses_visible_to, work_calendar
from workflow.services import case_urge, extension_decide, pause_decide

from ..actions import perform
from ..forms.supervision import DecisionForm, OverdueFilterForm, UrgeForm

OVERDUE_PAGE_SIZE = 25
# The paused cases the overdue board lists under the overdue ones; the ledger has them all.
PAUSED_SHOWN = 10
EXTENSIONS_PAGE_SIZE = 20
LISTED_PAGE_SIZE = 20
ENTERPRISES_PAGE_SIZE = 10


def refused(request: HttpRequest, message) -> HttpResponse:
    return render(request, "web/supervision/refused.html", {"message": message}, status=403)


def page_query(filters: dict) -> str:
    return urlencode({name: value for name, value in filters.items() if value not in (None, "")})


def safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    """Back to the page the form was on, never to another site."""
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if target and allowed else reverse(fallback)


# --- the overdue board ---------------------------------------------------------------------------------------


@dataclass
class OverdueRow:
    case: Case
    workdays_late: int
    last_event: LastEvent
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
    summary = overdue_summary(overdue_filtered(user, now=now, calendar=calendar, **filters))
    for level in summary["by_level"]:
        level["label"] = UrgingLevel(level["urging_level"]).label
    paginator = KeysFirstPaginator(overdue_cases(user, now=now, calendar=calendar, **filters), OVERDUE_PAGE_SIZE)
    paginator.count = summary["total"]  # the summary counted the same cases
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        OverdueRow(
            case=case,
            workdays_late=calendar.workdays_between(case.due_at, now),
            last_event=last_event_of(case),
            urge_form=urge_form_for(case, next_url=request.get_full_path()) if supervises(case, user) else None,
        )
        for case in page
    ]
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
            "total": summary["total"],
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
    pending = KeysFirstPaginator(extensions_to_decide(user), EXTENSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    decided = TotalInPagePaginator(
        extensions_decided_recently(user, now=timezone.now()), EXTENSIONS_PAGE_SIZE
    ).get_page(request.GET.get("decided_page"))
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


# --- the leader's board --------------------------------------------------------------------------------------


@login_required
def leader_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_see_board(user):
        return refused(request, _("Only leaders and supervisors have a board of listed cases."))
    listed = KeysFirstPaginator(listed_cases(user), LISTED_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, last_event_of(case)) for case in listed]
    served = KeysFirstPaginator(served_enterprises(user), ENTERPRISES_PAGE_SIZE)
    served.count = served_enterprise_count(user)
    enterprises = served.get_page(request.GET.get("enterprises_page"))
    with_open_cases(user, enterprises.object_list)
    projects = KeysFirstPaginator(served_projects(user), ENTERPRISES_PAGE_SIZE).get_page(
        request.GET.get("projects_page")
    )
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
