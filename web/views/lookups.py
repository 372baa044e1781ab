"""Search-as-you-type lookups for the pages' long choices (htmx fragments): never a page with every option."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import limits
from enterprises.access import roles_for_user
from enterprises.selectors import ASSIGNABLE_SHOWN, assignable_memberships

from ..forms.cases import assignment_choices


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
    return render(request, "web/partials/assignable_options.html", {"groups": assignment_choices(found)})
