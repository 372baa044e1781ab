"""Search-as-you-type lookups for the pages' long choices (htmx fragments): never a page with every option."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core import limits
from core.errors import NotPermitted
from core.people import user_name
from enterprises.access import roles_for_user
from enterprises.selectors import (
    ASSIGNABLE_SHOWN,
    assignable_memberships,
    enterprises_visible_to,
    officials_assignable,
)
from supervision.meetings.models import Meeting
from supervision.meetings.permissions import may_run_meeting
from supervision.meetings.selectors import jurisdiction_units, meetings_visible_to, sub_case_units
from supervision.rates.permissions import rated_units_for_user

from ..forms.cases import ASSIGNABLE_COLUMNS, assignment_choices
from ..templatetags.casework import person


@login_required
def assignable(request: HttpRequest) -> HttpResponse:
    """The people a case can go to whose name, username or unit contains ``q``, as ``<option>``s grouped by
    unit: anyone for dispatchers and supervisors, the units they head for a unit head."""
    roles = roles_for_user(request.user)
    if roles.is_dispatcher or roles.is_supervisor:
        unit_ids = None
    elif roles.head_unit_ids:
        unit_ids = roles.head_unit_ids
    else:
        raise PermissionDenied
    search = request.GET.get("q", "").strip()[: limits.SEARCH]
    found = assignable_memberships(unit_ids=unit_ids, search=search, limit=ASSIGNABLE_SHOWN)
    groups = assignment_choices(found.values_list(*ASSIGNABLE_COLUMNS))
    return render(request, "web/partials/assignable_options.html", {"groups": groups})


# Rows a filter's search lists at a time: typing narrows them.
FILTER_SHOWN = 30


def _search_text(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[: limits.SEARCH]


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The cadres and unit heads whose name or username contains ``q``, among the units whose figures the user
    reads (a supervisor's jurisdiction; everyone's for a dispatcher): the overdue board's assignee filter."""
    try:
        scope = rated_units_for_user(request.user)
    except NotPermitted:
        raise PermissionDenied from None
    search = _search_text(request)
    found = officials_assignable(scope=scope)
    if search:
        found = found.filter(
            Q(first_name__icontains=search) | Q(last_name__icontains=search) | Q(username__icontains=search)
        )
    choices = [(user.pk, user_name(user)) for user in found[:FILTER_SHOWN]]
    return render(request, "web/partials/filter_options.html", {"choices": choices})


@login_required
def enterprises(request: HttpRequest) -> HttpResponse:
    """The enterprises the user may see whose name contains ``q`` (or whose credit code starts with it): the
    overdue board's enterprise filter. Officials only: an enterprise user has no such filter."""
    if not roles_for_user(request.user).is_official:
        raise PermissionDenied
    search = _search_text(request)
    found = enterprises_visible_to(request.user).select_related(None).prefetch_related(None).order_by("name", "pk")
    if search:
        found = found.filter(Q(name__icontains=search) | Q(credit_code__startswith=search.upper()))
    choices = list(found.values_list("pk", "name")[:FILTER_SHOWN])
    return render(request, "web/partials/filter_options.html", {"choices": choices})


def _meeting_run_by(request: HttpRequest, meeting_id: int) -> Meeting:
    """The meeting whose sub-case rows the user fills: its supervision office only."""
    meeting = meetings_visible_to(request.user).filter(pk=meeting_id).prefetch_related(None).first()
    if meeting is None:
        raise Http404
    if not may_run_meeting(meeting, request.user):
        raise PermissionDenied
    return meeting


@login_required
def meeting_units(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The active units of the meeting's jurisdiction whose name contains ``q``: a sub-case's responsible unit."""
    meeting = _meeting_run_by(request, meeting_id)
    found = sub_case_units(jurisdiction_units(meeting.jurisdiction))
    search = _search_text(request)
    if search:
        found = found.filter(name__icontains=search)
    choices = list(found.values_list("pk", "name")[:FILTER_SHOWN])
    return render(request, "web/partials/filter_options.html", {"choices": choices, "empty_label": _("Choose a unit")})


@login_required
def meeting_assignees(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The people a case can go to in the meeting's jurisdiction whose name, username or unit contains ``q``,
    each with their unit: a sub-case's assignee (``sub_case_assignees`` checks the choice sent)."""
    meeting = _meeting_run_by(request, meeting_id)
    found = assignable_memberships(
        unit_ids=jurisdiction_units(meeting.jurisdiction), search=_search_text(request), limit=ASSIGNABLE_SHOWN
    )
    choices = [(membership.user_id, f"{person(membership.user)} · {membership.unit.name}") for membership in found]
    return render(
        request, "web/partials/filter_options.html", {"choices": choices, "empty_label": _("The unit's head")}
    )
