"""Common problems (共性问题) in the browser: the supervisor's view of a period, raising one from look-alike
cases, and one common problem's page with its answer.

Rows come through ``supervision.common_problems.selectors`` (their own gate); the forms offered come from the
django-fsm transitions and ``common_problems.permissions``; every form calls the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.selectors import cases_visible_officially_to
from core import limits
from core.errors import ApplicationError, NotFound
from enterprises.access import roles_for_user
from supervision.common_problems import services
from supervision.common_problems.models import CommonProblem, CommonProblemState
from supervision.common_problems.permissions import may_manage, may_raise
from supervision.common_problems.selectors import (
    common_problem_for_user,
    common_problems_of_period,
    linked_cases_for_user,
    top_categories_and_townships,
)
from supervision.common_problems.services import LINKABLE_STATES
from supervision.rates.periods import period_of_month, period_parse
from workflow import clock

from ..actions import perform
from ..forms.common_problems import AnswerForm, CloseForm, RaiseForm, UnlinkForm
from .supervision import refused


def _officials_only(request: HttpRequest) -> HttpResponse | None:
    if not roles_for_user(request.user).is_official:
        return refused(request, _("Common problems are for government officials."))
    return None


@login_required
def common_problems(request: HttpRequest) -> HttpResponse:
    """The period's common problems, and the categories and townships that produce most cases."""
    if (refusal := _officials_only(request)) is not None:
        return refusal
    try:
        period = period_parse(request.GET["period"]) if request.GET.get("period") else period_of_month(clock.now())
    except ApplicationError as error:
        return render(request, "web/supervision/refused.html", {"message": error.message}, status=400)
    user = request.user
    top = top_categories_and_townships(user, period, now=clock.now())
    return render(
        request,
        "web/common_problems/list.html",
        {
            "period": period,
            "problems": list(common_problems_of_period(user, period)),
            "top": top,
            "may_raise": may_raise(user),
            "now": clock.now(),
        },
    )


def _candidates(request: HttpRequest, ids_text: str):
    """The cases named in the address or the form that the user sees as an official and that a common problem can
    take (being worked on), with their enterprises."""
    ids = [int(part) for part in ids_text.split(",") if part.strip().isdigit()][: limits.LINKED_CASES]
    return (
        cases_visible_officially_to(request.user)
        .filter(pk__in=ids, state__in=LINKABLE_STATES)
        .select_related("enterprise")
        .order_by("pk")
    )


@login_required
def common_problem_new(request: HttpRequest) -> HttpResponse:
    """Raise a common problem from the cases a case page suggested (``?cases=1,2,3``)."""
    if not may_raise(request.user):
        return refused(request, _("Only dispatchers and supervisors raise common problems."))
    ids_text = request.POST.get("case_ids", "") if request.method == "POST" else request.GET.get("cases", "")
    candidates = _candidates(request, ids_text)
    if request.method == "POST":
        form = RaiseForm(request.POST, candidates=candidates)
        if form.is_valid():
            data = form.cleaned_data
            problem = perform(
                request,
                lambda: services.common_problem_raise(
                    acting_user=request.user,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    unit=data["unit"],
                    cases=list(data["cases"]),
                ),
                success=_("The common problem was raised; the unit's heads were told."),
            )
            if problem is not None:
                return redirect("web:common-problem", problem_id=problem.pk)
    else:
        first = candidates.select_related("category").first()
        initial = {"cases": list(candidates), "category": first.category if first else None}
        if first is not None:
            initial["title"] = first.title
        form = RaiseForm(initial=initial, candidates=candidates)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/common_problems/new.html", {"form": form, "case_ids": ids_text}, status=status)


def _problem_or_404(user, problem_id: int) -> CommonProblem:
    try:
        return common_problem_for_user(user, problem_id)
    except NotFound:
        raise Http404 from None


@login_required
def common_problem_page(request: HttpRequest, problem_id: int) -> HttpResponse:
    if (refusal := _officials_only(request)) is not None:
        return refusal
    problem = _problem_or_404(request.user, problem_id)
    transitions = {t.name for t in problem.get_available_user_state_transitions(request.user)}
    may_change = problem.state == CommonProblemState.OPEN and may_manage(problem, request.user)
    return render(
        request,
        "web/common_problems/detail.html",
        {
            "problem": problem,
            "cases": list(linked_cases_for_user(request.user, problem)),
            "answer_form": AnswerForm() if "give_answer" in transitions else None,
            "close_form": CloseForm() if "close" in transitions else None,
            "may_unlink": may_change,
            "is_overdue": problem.state == CommonProblemState.OPEN and problem.due_at < clock.now(),
        },
    )


def _answer(problem: CommonProblem, user, data: dict) -> CommonProblem:
    return services.common_problem_answer(
        problem=problem, acting_user=user, resolution_type=data["resolution_type"], answer=data["answer"]
    )


def _close(problem: CommonProblem, user, data: dict) -> CommonProblem:
    return services.common_problem_close(problem=problem, acting_user=user)


def _unlink(problem: CommonProblem, user, data: dict) -> CommonProblem:
    case = cases_visible_officially_to(user).filter(pk=data["case"]).first()
    return services.common_problem_unlink(problem=problem, acting_user=user, case=case, reason=data["reason"])


# The page's actions: the form that parses each, the service it calls, and what the person is told.
PAGE_ACTIONS = {
    "answer": (AnswerForm, _answer, gettext_lazy("Answered. Every linked case was resolved and its enterprise told.")),
    "close": (CloseForm, _close, gettext_lazy("The common problem was crossed off.")),
    "unlink": (UnlinkForm, _unlink, gettext_lazy("The case left the common problem; it is answered on its own again.")),
}


@login_required
@require_POST
def common_problem_action(request: HttpRequest, problem_id: int, action: str) -> HttpResponse:
    """Answer, close or unlink a case; a refusal or an incomplete form comes back as a message on the page."""
    if action not in PAGE_ACTIONS:
        raise Http404
    if (refusal := _officials_only(request)) is not None:
        return refusal
    problem = _problem_or_404(request.user, problem_id)
    form_class, run, success = PAGE_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        perform(request, lambda: run(problem, request.user, form.cleaned_data), success=str(success))
    else:
        for problems in form.errors.values():
            for text in problems:
                messages.error(request, text)
    return redirect(reverse("web:common-problem", kwargs={"problem_id": problem.pk}))
