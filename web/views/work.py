"""The work lists: an enterprise's problems and the filing form, a cadre's queue and the enterprises
they serve, the dispatcher's routing list."""

from contextlib import nullcontext

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from cases.models import CaseState
from cases.selectors import cases_visible_to
from core.errors import ApplicationError
from core.pagination import FirstPageApart, KeysFirstPaginator, ShortListPaginator, TotalInPagePaginator
from core.statements import prepared
from enterprises.access import roles_for_user
from enterprises.models import Role
from enterprises.selectors import assignable_memberships, enterprises_user_files_for
from supervision.visits.selectors import duties_of
from workflow import services
from workflow.routing import routes_for_cases

from ..actions import perform
from ..forms.bars import BarForm
from ..forms.cases import ASSIGNABLE_COLUMNS, AssignForm, FileCaseForm, assignment_choices, assignment_value
from ..paging import query_without_page
from ..queries import (
    MY_CASES_COLUMNS,
    MY_CASES_RELATED,
    dispatch_list,
    enterprise_cases,
    queue_first_page,
    queue_of,
    served_by_name,
    served_enterprises,
    served_page,
)
from .cases import PAGE_ACTIONS, case_as_seen, visible_case_or_404

PAGE_SIZE = 20


def page_of(request: HttpRequest, rows, size: int = PAGE_SIZE):
    return KeysFirstPaginator(rows, size).get_page(request.GET.get("page"))


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    if not roles_for_user(request.user).is_enterprise_user:
        raise PermissionDenied
    cases = enterprise_cases(request.user).select_related(None).select_related(*MY_CASES_RELATED)
    page = page_of(request, cases.only(*MY_CASES_COLUMNS))
    return render(request, "web/my_cases.html", {"page": page, "now": timezone.now()})


def file_with_attachments(*, user, data: dict, follows_up) -> object:
    """File the case and store its attachments together: a refused file leaves no case behind."""
    with transaction.atomic():
        case = services.case_file(
            acting_user=user,
            enterprise=data["enterprise"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            follows_up=follows_up,
            project=data.get("project"),
        )
        for upload in data["attachments"]:
            services.attachment_add(case=case, acting_user=user, upload=upload)
    return case


@login_required
def file_case(request: HttpRequest) -> HttpResponse:
    """File a problem for one's enterprise (or, for a cadre, an enterprise they serve); a follow-up links
    to a closed case of the same enterprise."""
    enterprises = enterprises_user_files_for(request.user)
    if not enterprises.exists():
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    follows_up = None
    if source.get("follows_up", "").isdigit():
        follows_up = cases_visible_to(request.user).filter(pk=source["follows_up"], state=CaseState.CLOSED).first()
    if follows_up is not None:
        enterprises = enterprises.filter(pk=follows_up.enterprise_id)
    if request.method == "POST":
        form = FileCaseForm(request.POST, request.FILES, enterprises=enterprises)
        if form.is_valid():
            case = perform(
                request,
                lambda: file_with_attachments(user=request.user, data=form.cleaned_data, follows_up=follows_up),
                success=_("Your problem was filed. You can follow every step on this page."),
            )
            if case is not None:
                return redirect("web:case", case_id=case.pk)
        status = 400
    else:
        initial = {"enterprise": request.GET.get("enterprise")} if request.GET.get("enterprise") else {}
        form = FileCaseForm(enterprises=enterprises, initial=initial)
        status = 200
    return render(request, "web/file_case.html", {"form": form, "follows_up": follows_up}, status=status)


QUEUE_STATE_CHOICES = [
    ("", gettext_lazy("Open work")),
    (CaseState.ASSIGNED, gettext_lazy("Being worked on")),
    (CaseState.RESOLVED, gettext_lazy("Waiting for the enterprise")),
]


class QueueFilter(BarForm):
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=QUEUE_STATE_CHOICES, required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)


def can_sign_for(case, user) -> bool:
    """Whether the row offers signing for the case: django-fsm's check of that one transition (as dispatch's
    rows check assigning), not the case's every action (``available_actions``) for one of them."""
    return has_transition_perm(case.accept, user)


def is_queue_user(user) -> bool:
    return bool(roles_for_user(user).roles & {Role.CADRE, Role.UNIT_HEAD})


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not is_queue_user(request.user):
        raise PermissionDenied
    now = timezone.now()
    filters = QueueFilter(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    asked = {"state": chosen.get("state", ""), "overdue_only": chosen.get("overdue", False)}
    cases = FirstPageApart(
        lambda size: queue_first_page(request.user, now=now, size=size, **asked),
        lambda: queue_of(request.user, now=now, **asked),
    )
    heads_units = bool(roles_for_user(request.user).head_unit_ids)
    # A cadre's own assignments are read alike whoever they are: planned once per connection (``prepared``); a
    # unit head's units, many cases or few, are planned for their values.
    with nullcontext() if heads_units else prepared():
        page = TotalInPagePaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]  # sliced and counted, as a queryset
    rows = [{"case": case, "can_sign_for": can_sign_for(case, request.user)} for case in page]
    query = query_without_page(request)
    return render(
        request,
        "web/queue.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": query,
            "now": now,
            "shows_assignee": heads_units,
        },
    )


@login_required
@require_POST
def queue_sign_for(request: HttpRequest, case_id: int) -> HttpResponse:
    """Sign for a case from the queue. With htmx the row is swapped in place; without, back to the queue."""
    case = visible_case_or_404(request.user, case_id)
    version = request.POST.get("version", "")
    action = PAGE_ACTIONS["accept"]

    def sign_for():
        return action.run(case_as_seen(case, int(version) if version.isdigit() else None), request.user, {})

    if not request.headers.get("HX-Request"):
        perform(request, sign_for, success=str(action.success))
        return redirect(reverse("web:queue"))
    try:
        sign_for()
        outcome, refusal = str(action.success), None
    except ApplicationError as error:
        outcome, refusal = None, error.message
    case = visible_case_or_404(request.user, case_id)
    return render(
        request,
        "web/partials/queue_rows.html",
        {
            "rows": [{"case": case, "can_sign_for": can_sign_for(case, request.user)}],
            "outcome": outcome,
            "refusal": refusal,
            "now": timezone.now(),
            "shows_assignee": bool(roles_for_user(request.user).head_unit_ids),
        },
    )


@login_required
def served(request: HttpRequest) -> HttpResponse:
    """The enterprises the cadre serves, with their open and overdue cases, whether someone of theirs can log in
    (else: invite one), their last visit and their visit duties; one enterprise's cases below."""
    if not roles_for_user(request.user).served_enterprise_ids:
        raise PermissionDenied
    now = timezone.now()
    listing = served_by_name(request.user)
    without_contact = [pk for pk, has_active_contact in listing if not has_active_contact]
    only_without_contact = request.GET.get("without_contact") == "1"
    # The page is cut from the list of ids (no count query), and only its enterprises are read with their figures.
    enterprises = page_of(request, without_contact if only_without_contact else [pk for pk, _ in listing])
    enterprises.object_list = served_page(request.user, enterprises.object_list, now=now)
    duties = duties_of(enterprise.pk for enterprise in enterprises)
    # Each row's id as text: printed five times a row, an integer is localised each time.
    rows = [
        {"enterprise": enterprise, "pk": str(enterprise.pk), "duties": duties.get(enterprise.pk, [])}
        for enterprise in enterprises
    ]
    query = "without_contact=1" if only_without_contact else ""
    chosen = None
    cases = None
    chosen_id = request.GET.get("enterprise", "")
    if chosen_id.isdigit():
        chosen = served_enterprises(request.user).filter(pk=chosen_id).first()
    if chosen is not None:
        cases = KeysFirstPaginator(
            cases_visible_to(request.user).filter(enterprise=chosen).order_by("-filed_at", "-id"), PAGE_SIZE
        ).get_page(request.GET.get("cases_page"))
    return render(
        request,
        "web/served.html",
        {
            "page": enterprises,
            "rows": rows,
            "chosen": chosen,
            "chosen_pk": str(chosen.pk) if chosen else "",
            "cases": cases,
            "now": now,
            "without_contact_count": len(without_contact),
            "only_without_contact": only_without_contact,
            "query": query,
            # What follows a row's enterprise in its "its cases" link, the same on every row.
            "its_cases_rest": (f"&{query}" if query else "")
            + (f"&page={enterprises.number}" if enterprises.number > 1 else "")
            + "#cases",
        },
    )


@login_required
def dispatch(request: HttpRequest) -> HttpResponse:
    """Opened cases waiting for routing, each with the route filing would have taken and a prefilled form."""
    roles = roles_for_user(request.user)
    if not (roles.is_dispatcher or roles.is_supervisor):
        raise PermissionDenied
    # A dispatcher who keeps up has fewer cases waiting than a page holds: they are then counted from the page.
    page = ShortListPaginator(dispatch_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    routes = routes_for_cases(page)
    # Each form first offers the people of the suggested unit; its search box finds anyone else.
    suggested_units = {route.cadre_unit.pk for route in routes.values() if route.cadre}
    people_by_unit: dict[int, list] = {}
    for row in assignable_memberships(unit_ids=suggested_units).values_list(*ASSIGNABLE_COLUMNS):
        people_by_unit.setdefault(row[0], []).append(row)
    offered_by_unit = {unit_id: assignment_choices(people) for unit_id, people in people_by_unit.items()}
    offered_people = {(row[0], row[1]) for people in people_by_unit.values() for row in people}
    search_url = reverse("web:assignable")
    rows = []
    for case in page:
        route = routes[case.pk]
        cadre = route.cadre
        unit_id = route.service.unit_id if cadre else None
        # The serving cadre, if they are still assignable in that unit.
        suggested = assignment_value(unit_id, cadre.pk) if cadre and (unit_id, cadre.pk) in offered_people else ""
        form = AssignForm(
            offered=offered_by_unit.get(unit_id, []),
            unit_ids=None,
            search_url=search_url,
            prefix="assign",
            auto_id=f"id_case{case.pk}_%s",
            initial={
                "version": case.version,
                "assignment": suggested,
            },
        )
        rows.append(
            {"case": case, "route": route, "form": form, "offered": has_transition_perm(case.assign, request.user)}
        )
    return render(request, "web/dispatch.html", {"page": page, "rows": rows, "now": timezone.now()})
