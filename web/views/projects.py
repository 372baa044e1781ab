"""Key projects on the wall (挂图作战): the board of every project's nodes, one project's page, and the task
force's reports from it. Reads through ``supervision.projects.selectors``, writes through its services."""

from tempfile import TemporaryFile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import NotFound
from enterprises.access import roles_for_user
from supervision.exports import XLSX, in_language
from supervision.projects import services
from supervision.projects.exports import FILENAME, write_board_workbook
from supervision.projects.permissions import may_report_on, may_see_project_board
from supervision.projects.selectors import (
    board_rows,
    milestone_state,
    open_cases_of,
    project_for_user,
    projects_visible_to,
)
from workflow.selectors import work_calendar
from workflow.workdays import SHANGHAI

from ..actions import perform
from ..forms.projects import BoardFilterForm, InvestmentForm, PlanForm, ReachForm, YearPlanForm
from .supervision import refused


def _board(request: HttpRequest):
    """The filter form and the rows it selects; an invalid filter shows every row with the form's errors."""
    leaders = {project.leader for project in projects_visible_to(request.user).filter(is_active=True)}
    form = BoardFilterForm(request.GET or None, leaders=sorted(leaders, key=lambda user: user.pk))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    calendar, now = work_calendar(), timezone.now()
    kinds, rows = board_rows(
        request.user,
        calendar=calendar,
        now=now,
        state=filters.get("state") or "",
        leader_id=filters.get("leader"),
    )
    return form, kinds, rows, now


def _refused_the_board(request: HttpRequest) -> HttpResponse | None:
    """The page and the menu give the same answer (``may_see_project_board``)."""
    if may_see_project_board(roles_for_user(request.user)):
        return None
    return refused(request, _("Key projects are for officials, their task forces and the enterprises' contacts."))


@login_required
def project_board(request: HttpRequest) -> HttpResponse:
    if (refusal := _refused_the_board(request)) is not None:
        return refusal
    form, kinds, rows, now = _board(request)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "kinds": kinds, "rows": rows, "year": now.astimezone(SHANGHAI).year}
    return render(request, "web/projects/board.html", context, status=status)


@login_required
def project_board_export(request: HttpRequest) -> HttpResponse:
    if (refusal := _refused_the_board(request)) is not None:
        return refusal
    _form, kinds, rows, now = _board(request)
    file = TemporaryFile()
    write_board_workbook(kinds, rows, file=file)
    file.seek(0)
    filename = f"{in_language(FILENAME)}-{now.astimezone(SHANGHAI):%Y-%m-%d}.xlsx"
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX)


def _visible_project(request: HttpRequest, project_id: int):
    try:
        return project_for_user(request.user, project_id)
    except NotFound:
        raise Http404 from None


@login_required
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _visible_project(request, project_id)
    calendar, now = work_calendar(), timezone.now()
    milestones = list(project.milestones.select_related("kind", "recorded_by").order_by("kind__position", "kind_id"))
    nodes = [(milestone, milestone_state(milestone, calendar=calendar, now=now)) for milestone in milestones]
    may_report = may_report_on(project, request.user)
    planned = project.milestones.select_related("kind").order_by("kind__position", "kind_id")
    context = {
        "project": project,
        "nodes": nodes,
        "task_force": project.task_force.select_related("user", "unit").order_by("level", "id"),
        "year_plans": project.year_plans.order_by("-year"),
        "investments": project.investments.order_by("-month"),
        "open_cases": open_cases_of(request.user, project),
        "may_report": may_report,
    }
    if may_report:
        context["forms"] = {
            "plan": PlanForm(auto_id="plan-%s"),
            "reach": ReachForm(planned=planned, auto_id="reach-%s"),
            "investment": InvestmentForm(auto_id="investment-%s"),
            "year_plan": YearPlanForm(auto_id="year-plan-%s", initial={"year": now.astimezone(SHANGHAI).year}),
        }
    return render(request, "web/projects/project.html", context)


def _plan(project, user, data: dict):
    return services.milestone_plan(project=project, acting_user=user, **data)


def _reach(project, user, data: dict):
    notes = data["notes"] or None  # left empty: the notes stay as they were
    return services.milestone_record(
        milestone=data["milestone"], done_on=data["done_on"], notes=notes, acting_user=user
    )


def _investment(project, user, data: dict):
    return services.investment_record(project=project, acting_user=user, **data)


def _year_plan(project, user, data: dict):
    return services.year_plan_set(project=project, acting_user=user, **data)


# action in the address → (the form of the POST, the service it runs, what a success says)
REPORTS = {
    "plan": (lambda project, data: PlanForm(data), _plan, gettext_lazy("The node is planned.")),
    "reach": (
        lambda project, data: ReachForm(data, planned=project.milestones.all()),
        _reach,
        gettext_lazy("The node's actual date is recorded."),
    ),
    "investment": (
        lambda project, data: InvestmentForm(data),
        _investment,
        gettext_lazy("The month's investment is recorded."),
    ),
    "year-plan": (
        lambda project, data: YearPlanForm(data),
        _year_plan,
        gettext_lazy("The year's planned investment is set."),
    ),
}


@login_required
@require_POST
def project_report(request: HttpRequest, project_id: int, action: str) -> HttpResponse:
    """One of the task force's reports; a refusal or an invalid form is flashed and the page shown again."""
    if action not in REPORTS:
        raise Http404
    project = _visible_project(request, project_id)
    make_form, service, success = REPORTS[action]
    form = make_form(project, request.POST)
    if form.is_valid():
        perform(request, lambda: service(project, request.user, form.cleaned_data), success=str(success))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("web:project", project_id=project.pk)
