"""The one case page every role shares, and the forms that act on it.

What a person sees comes from the selectors (``cases_visible_to`` and the comment, attachment and
event visibility the API uses); what they may do from ``available_actions`` (the FSM); every form
calls the workflow service, which checks everything again.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Case, CaseState, EventAction, Satisfaction, Visibility
from cases.permissions import can_merge, is_filing_enterprise, supervises
from cases.selectors import (
    attachments_for_user,
    case_for_user,
    cases_visible_to,
    comments_for_user,
    events_for_user,
    similar_open_cases,
    user_sees_internal,
)
from cases.states import UNRESOLVED_STATES
from core.errors import Conflict, InvalidInput, NotFound
from enterprises.access import roles_for_user
from enterprises.selectors import assignable_memberships
from supervision.common_problems.permissions import may_raise
from supervision.common_problems.selectors import common_problem_of_case
from supervision.meetings.permissions import FLAGGABLE_STATES, may_flag
from supervision.meetings.selectors import pending_flag_of
from supervision.meetings.services import flag_create
from supervision.visits.selectors import visit_of_case
from workflow import services
from workflow.models import PauseState
from workflow.routing import route_for
from workflow.selectors import PAUSE_RELATED, available_actions, pause_limits, running_pause

from ..actions import perform
from ..forms.cases import (
    ASSIGNABLE_COLUMNS,
    AcceptForm,
    AssignForm,
    AttachmentForm,
    CloseForm,
    CommentForm,
    ExtensionForm,
    MergeForm,
    PauseForm,
    ReopenForm,
    ResolveForm,
    ResumeForm,
    SendBackForm,
    WithdrawForm,
    assignment_choices,
)
from ..forms.meetings import FlagForm

User = get_user_model()


def visible_case_or_404(user, case_id) -> Case:
    try:
        return case_for_user(user, case_id)
    except NotFound:
        raise Http404 from None


def case_as_seen(case: Case, version: int | None) -> Case:
    """The case as the form saw it: a page older than the case is refused, as the API refuses it."""
    if version is not None and version != case.version:
        raise Conflict(_("Someone else changed this case a moment ago. Reload it and try again."), code="stale_case")
    return case


@dataclass(frozen=True)
class PageAction:
    """A form on the case page: who is offered it, how its form is built, and which service it calls."""

    form_class: type[forms.Form]
    run: Callable
    success: str
    offered: Callable = lambda page: False
    form_kwargs: Callable = lambda page: {}


class CasePage:
    """What one person sees of one case; built once per request and shared by the page and its forms."""

    def __init__(self, request: HttpRequest, case: Case) -> None:
        self.request = request
        self.user = request.user
        self.case = case
        self.roles = roles_for_user(self.user)
        self.sees_internal = user_sees_internal(self.user, case)
        self.transitions = set(available_actions(case, self.user))
        self._offered = None
        self._pending_flag = None

    @property
    def pending_flag(self):
        """The case's flag waiting for the joint review meeting; read once, for those who see the case as officials
        (who alone see its flags)."""
        if self._pending_flag is None:
            self._pending_flag = (pending_flag_of(self.case) if self.sees_internal else None) or False
        return self._pending_flag or None

    def may_flag(self) -> bool:
        return self.case.state in FLAGGABLE_STATES and may_flag(self.case, self.user) and self.pending_flag is None

    @property
    def is_open(self) -> bool:
        return self.case.state != CaseState.CLOSED

    def assignment(self, *, reassign: bool) -> dict:
        """Whom the case can go to: anyone for dispatchers and supervisors, a head's own units otherwise.
        The form first offers the people of the case's unit (or of the units the head heads); its search
        box finds anyone else the user may give the case to."""
        overseer = self.roles.is_dispatcher or supervises(self.case, self.user)
        unit_ids = None if overseer or not reassign else self.roles.head_unit_ids
        if self._offered is None:
            if unit_ids is not None:
                shown = unit_ids
            elif self.case.responsible_unit_id is not None:
                shown = {self.case.responsible_unit_id}
            else:  # an opened case: the unit filing would have routed it to
                route = route_for(enterprise=self.case.enterprise, category=self.case.category)
                shown = {route.cadre_unit.pk} if route.cadre else set()
            self._offered = assignment_choices(assignable_memberships(unit_ids=shown).values_list(*ASSIGNABLE_COLUMNS))
        return {"offered": self._offered, "unit_ids": unit_ids, "search_url": reverse("web:assignable")}

    def rates(self) -> bool:
        return is_filing_enterprise(self.case, self.user)

    def form(self, name: str, data=None, files=None) -> forms.Form:
        action = PAGE_ACTIONS[name]
        initial = {"version": self.case.version}
        return action.form_class(data, files, initial=initial, prefix=name, **action.form_kwargs(self))

    def offered_forms(self, bound: dict | None = None) -> dict[str, forms.Form]:
        """The forms this person is offered now; a form sent back with errors replaces its blank one."""
        offered = {name: self.form(name) for name, action in PAGE_ACTIONS.items() if action.offered(self)}
        forms_by_name = {**offered, **(bound or {})}
        return {name.replace("-", "_"): form for name, form in forms_by_name.items()}

    def context(self, bound: dict | None = None) -> dict:
        case, user = self.case, self.user
        events = list(events_for_user(user, case, sees_internal=self.sees_internal))
        comments = {c.pk: c for c in comments_for_user(user, case, sees_internal=self.sees_internal)}
        usernames = {
            event.data.get("assignee")
            for event in events
            if event.action in (EventAction.ASSIGN, EventAction.REASSIGN) and event.data.get("assignee")
        }
        people = {u.get_username(): u for u in User.objects.filter(username__in=usernames)} if usernames else {}
        timeline = [
            {
                "event": event,
                "comment": comments.get(event.data.get("comment")) if event.action == EventAction.COMMENT else None,
                "assignee": people.get(event.data.get("assignee")),
            }
            for event in events
        ]
        # The case's follow-ups and sub-cases the user sees, in one query.
        linked = list(cases_visible_to(user).filter(Q(follows_up=case) | Q(parent=case)))
        follow_ups = sorted((row for row in linked if row.follows_up_id == case.pk), key=lambda row: row.filed_at)
        sub_cases = sorted((row for row in linked if row.parent_id == case.pk), key=lambda row: row.number)
        extensions = (
            list(case.extension_requests.select_related("requested_by", "decided_by").order_by("created_at"))
            if self.sees_internal
            else []
        )
        # Why a clock stopped and who decided is internal; everyone who sees the case reads what it waits for.
        pauses = list(case.pauses.select_related(*PAUSE_RELATED)) if self.sees_internal else []
        if self.sees_internal:
            pause = next((row for row in pauses if row.state == PauseState.RUNNING), None)
        else:
            pause = running_pause(case)
        # A sub-case's assignee in another unit may not see the parent: then not even its title.
        parent_visible = bool(case.parent_id) and cases_visible_to(user).filter(pk=case.parent_id).exists()
        return {
            "case": case,
            "parent_visible": parent_visible,
            "may_urge": "urge" in self.transitions,
            "sees_internal": self.sees_internal,
            "timeline": [item for item in timeline if item["event"].action != EventAction.COMMENT or item["comment"]],
            "attachments": list(attachments_for_user(user, case, sees_internal=self.sees_internal)),
            "follow_ups": follow_ups,
            "sub_cases": sub_cases,
            "meeting_flag": self.pending_flag,
            "visit": visit_of_case(case),
            "extensions": extensions,
            "pauses": pauses,
            "pause": pause,
            "forms": self.offered_forms(bound),
            "is_filing_enterprise": self.rates(),
            "can_follow_up": case.state == CaseState.CLOSED and self.rates(),
            "is_open": self.is_open,
            "common_problem": common_problem_of_case(case),
            "satisfaction_label": Satisfaction(case.satisfaction).label if case.satisfaction else "",
            "pause_limits": pause_limits(),
            "now": timezone.now(),
        }


def merge_into(case: Case, user, data: dict) -> Case:
    """并单 from the page: the target is looked up through the gate, like every case a person names."""
    into = cases_visible_to(user).filter(pk=data["into"]).first()
    if into is None:
        raise InvalidInput(_("The case to merge into does not exist."), code="merge_into_unknown")
    return services.case_merge(case=case, into=into, acting_user=user, note=data.get("note", ""))


def offered_transition(name: str) -> Callable:
    return lambda page: name in page.transitions


PAGE_ACTIONS: dict[str, PageAction] = {
    "accept": PageAction(
        AcceptForm,
        lambda case, user, data: services.case_accept(case=case, acting_user=user),
        gettext_lazy("Signed for. The case is now yours to work on."),
        offered_transition("accept"),
    ),
    "resolve": PageAction(
        ResolveForm,
        lambda case, user, data: services.case_resolve(
            case=case, acting_user=user, resolution_type=data["resolution_type"], reply=data["reply"]
        ),
        gettext_lazy("Resolved. The enterprise has been sent your reply."),
        offered_transition("resolve"),
    ),
    "send-back": PageAction(
        SendBackForm,
        lambda case, user, data: services.case_send_back(case=case, acting_user=user, reason=data["reason"]),
        gettext_lazy("Sent back to the dispatcher."),
        offered_transition("send-back"),
    ),
    "assign": PageAction(
        AssignForm,
        lambda case, user, data: services.case_assign(
            case=case,
            acting_user=user,
            assignee=data["assignment"].user,
            unit=data["assignment"].unit,
            note=data["note"],
        ),
        gettext_lazy("Assigned."),
        offered_transition("assign"),
        lambda page: page.assignment(reassign=False),
    ),
    "reassign": PageAction(
        AssignForm,
        lambda case, user, data: services.case_reassign(
            case=case,
            acting_user=user,
            assignee=data["assignment"].user,
            unit=data["assignment"].unit,
            note=data["note"],
        ),
        gettext_lazy("Reassigned."),
        offered_transition("reassign"),
        lambda page: page.assignment(reassign=True),
    ),
    "close": PageAction(
        CloseForm,
        lambda case, user, data: services.case_close(
            case=case, acting_user=user, satisfaction=data.get("satisfaction"), comment=data.get("comment", "")
        ),
        gettext_lazy("Crossed off (销号). Thank you for your rating."),
        offered_transition("close"),
        lambda page: {"rates": page.rates()},
    ),
    "reopen": PageAction(
        ReopenForm,
        lambda case, user, data: services.case_reopen(case=case, acting_user=user, reason=data["reason"]),
        gettext_lazy("The solution was rejected; the case goes back to the assignee."),
        offered_transition("reopen"),
    ),
    "withdraw": PageAction(
        WithdrawForm,
        lambda case, user, data: services.case_withdraw(case=case, acting_user=user, reason=data["reason"]),
        gettext_lazy("Withdrawn. The case is closed."),
        offered_transition("withdraw"),
    ),
    "comment": PageAction(
        CommentForm,
        lambda case, user, data: services.comment_add(
            case=case, acting_user=user, body=data["body"], visibility=data.get("visibility", Visibility.PUBLIC)
        ),
        gettext_lazy("Your message was added."),
        lambda page: page.is_open,
        lambda page: {"officials_only_allowed": page.sees_internal},
    ),
    "attach": PageAction(
        AttachmentForm,
        lambda case, user, data: services.attachment_add(
            case=case, acting_user=user, upload=data["file"], visibility=data.get("visibility", Visibility.PUBLIC)
        ),
        gettext_lazy("The file was attached."),
        lambda page: page.is_open,
        lambda page: {"officials_only_allowed": page.sees_internal},
    ),
    "extension": PageAction(
        ExtensionForm,
        lambda case, user, data: services.extension_request_create(
            case=case, acting_user=user, requested_due_date=data["requested_due_date"], reason=data["reason"]
        ),
        gettext_lazy("Your request for more time was sent to those who decide it."),
        # A paused clock has no deadline to extend: the assignee resumes it first.
        lambda page: (
            page.case.state == CaseState.ASSIGNED
            and page.case.assignee_id == page.user.pk
            and page.case.paused_until is None
        ),
    ),
    "pause": PageAction(
        PauseForm,
        lambda case, user, data: services.case_pause(
            case=case,
            acting_user=user,
            needed=data["needed"],
            reason=data["reason"],
            expected_date=data["expected_date"],
        ),
        gettext_lazy(
            "Done. Within the limits the deadline is paused and the enterprise told what is needed; "
            "beyond them a supervisor decides first."
        ),
        offered_transition("pause"),
    ),
    "resume": PageAction(
        ResumeForm,
        lambda case, user, data: services.case_resume(case=case, acting_user=user),
        gettext_lazy("The deadline runs again."),
        offered_transition("resume"),
    ),
    # Offered beside each look-alike of the same enterprise in the similar cases (``case_similar``).
    "merge": PageAction(
        MergeForm,
        merge_into,
        gettext_lazy("Merged (并单). The enterprise was told which case answers its problem."),
    ),
    "flag": PageAction(
        FlagForm,
        lambda case, user, data: flag_create(case=case, acting_user=user, kind=data["kind"], reason=data["reason"]),
        gettext_lazy("The case waits for the joint review meeting; the next agenda takes it."),
        lambda page: page.may_flag(),
    ),
}


@login_required
def case_similar(request: HttpRequest, case_id: int) -> HttpResponse:
    """The open look-alikes of a case for the officials who work it (htmx fragment of the case page): the
    enterprise's own can be merged into (并单), other enterprises' raised together as a common problem."""
    case = visible_case_or_404(request.user, case_id)
    if not user_sees_internal(request.user, case):
        raise Http404
    may_merge = case.state in UNRESOLVED_STATES and case.parent_id is None and can_merge(case, request.user)
    return render(
        request,
        "web/partials/similar_cases.html",
        {
            "case": case,
            "suggestions": similar_open_cases(request.user, case),
            "may_merge": may_merge,
            "may_raise": may_raise(request.user) and case.state == CaseState.ASSIGNED,
        },
    )


@login_required
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = visible_case_or_404(request.user, case_id)
    return render(request, "web/case.html", CasePage(request, case).context())


def next_page(request: HttpRequest, case: Case) -> str:
    """Back where the form was (the queue, the dispatch list) or to the case; home once the case is out of sight."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    if cases_visible_to(request.user).filter(pk=case.pk).exists():
        return reverse("web:case", kwargs={"case_id": case.pk})
    return reverse("web:home")


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Run one form of the case page; an invalid form is shown again with its errors beside the fields."""
    if action not in PAGE_ACTIONS:
        raise Http404
    case = visible_case_or_404(request.user, case_id)
    page = CasePage(request, case)
    form = page.form(action, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "web/case.html", page.context(bound={action: form}), status=400)
    data = form.cleaned_data
    page_action = PAGE_ACTIONS[action]
    perform(
        request,
        lambda: page_action.run(case_as_seen(case, data.get("version")), request.user, data),
        success=str(page_action.success),
    )
    return redirect(next_page(request, case))
