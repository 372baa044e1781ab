"""The visit pages (走访台账): the desk of one's visit duties, recording a visit with the problems found, one
visit, an enterprise's visits, and the enterprise's own view of its visits. Views parse, call the
``supervision.visits`` selectors and services, and render.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.pagination import KeysFirstPaginator
from enterprises.access import roles_for_user
from enterprises.models import Enterprise
from supervision.visits.permissions import capacities_of, may_see_visit_desk
from supervision.visits.selectors import (
    current_service,
    duties_held_by,
    enterprise_duties,
    enterprise_visits,
    enterprises_user_visits,
    visit_for_user,
    visits_visible_to,
    with_cases,
)
from supervision.visits.services import visit_record

from ..actions import perform
from ..forms.visits import ProblemFormSet, VisitForm

PAGE_SIZE = 20


def page_of(request: HttpRequest, rows, parameter: str = "page"):
    return KeysFirstPaginator(rows, PAGE_SIZE).get_page(request.GET.get(parameter))


@login_required
def visit_desk(request: HttpRequest) -> HttpResponse:
    """The duties the user holds, the most urgent first (overdue ones are due earliest), and the visits they
    recorded lately."""
    if not may_see_visit_desk(request.user):
        raise PermissionDenied
    now = timezone.now()
    duties = page_of(request, duties_held_by(request.user).order_by("due_at", "id"))
    recorded = with_cases(visits_visible_to(request.user).filter(visitor=request.user)).order_by("-visited_at", "-id")
    return render(
        request,
        "web/visits/desk.html",
        {
            "page": duties,
            "recorded": page_of(request, recorded, "recorded_page"),
            "now": now,
        },
    )


def record_with_problems(request: HttpRequest, form: VisitForm, problems) -> object:
    return visit_record(
        enterprise=form.cleaned_data["enterprise"],
        acting_user=request.user,
        visited_at=form.visited_at(),
        mode=form.cleaned_data["mode"],
        met_with=form.cleaned_data["met_with"],
        notes=form.cleaned_data["notes"],
        problems=[row.problem() for row in problems if row.has_changed()],
    )


def one_more_row(data):
    """The posted form with one more empty problem row: the "one more problem" button, without a script."""
    grown = data.copy()
    total = f"{ProblemFormSet().prefix}-TOTAL_FORMS"
    count = grown.get(total, "0")
    grown[total] = str(int(count) + 1) if count.isdigit() and int(count) < ProblemFormSet.max_num else count
    return grown


def unchecked(form):
    """A form shown again as it was typed, not yet judged: adding a problem row is no attempt to submit."""
    form._errors = ErrorDict()
    return form


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    """Record a visit to an enterprise one serves, with the problems found filed as its cases."""
    enterprises = enterprises_user_visits(request.user)
    if not enterprises.exists():
        raise PermissionDenied
    status = 200
    if request.method == "POST" and "more" in request.POST:
        data = one_more_row(request.POST)
        form = unchecked(VisitForm(data, enterprises=enterprises))
        problems = ProblemFormSet(data)
        problems._non_form_errors = problems.error_class()
        problems._errors = [unchecked(row).errors for row in problems.forms]
        return render(request, "web/visits/new.html", {"form": form, "problems": problems})
    if request.method == "POST":
        form = VisitForm(request.POST, enterprises=enterprises)
        problems = ProblemFormSet(request.POST)
        if form.is_valid() and problems.is_valid():
            visit = perform(
                request,
                lambda: record_with_problems(request, form, problems),
                success=_("The visit was recorded; each problem found is now a case of the enterprise."),
            )
            if visit is not None:
                return redirect("web:visit", visit_id=visit.pk)
        status = 400
    else:
        chosen = request.GET.get("enterprise", "")
        initial = {"enterprise": chosen} if chosen.isdigit() else {}
        initial["visited_on"] = timezone.localdate()
        form = VisitForm(initial=initial, enterprises=enterprises)
        problems = ProblemFormSet()
    return render(request, "web/visits/new.html", {"form": form, "problems": problems}, status=status)


@login_required
def visit_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    """One visit; what was discussed and whom the visitor met only for those who see it as officials."""
    try:
        visit = visit_for_user(request.user, visit_id)
    except NotFound:
        raise Http404 from None
    return render(request, "web/visits/visit.html", {"visit": visit})


@login_required
def enterprise_visits_page(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise's visits and its duties, as the official sees them, with the button to record one."""
    roles = roles_for_user(request.user)
    if not roles.is_official:
        raise PermissionDenied
    enterprise = Enterprise.objects.select_related("township").filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404
    now = timezone.now()
    duties = list(enterprise_duties(request.user, enterprise.pk))
    return render(
        request,
        "web/visits/enterprise.html",
        {
            "enterprise": enterprise,
            "page": page_of(request, enterprise_visits(request.user, enterprise.pk)),
            "duties": duties,
            "may_record": bool(capacities_of(request.user, current_service(enterprise.pk))),
            "now": now,
        },
    )


@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    """An enterprise's own view: the visits it received and the problems filed from them, not the notes."""
    roles = roles_for_user(request.user)
    if not roles.is_enterprise_user:
        raise PermissionDenied
    visits = with_cases(visits_visible_to(request.user).filter(enterprise_id__in=roles.contact_enterprise_ids))
    return render(request, "web/visits/mine.html", {"page": page_of(request, visits.order_by("-visited_at", "-id"))})
