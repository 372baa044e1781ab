"""The joint review meeting (联审会办) and the monthly re-check (复查) in the browser.

Views parse, call the services of ``supervision.meetings`` and ``supervision.rechecks`` and render; who sees
what comes from their selectors (built on ``cases_visible_to``) and permissions, and every write is checked
again by its service, whose refusal is shown as a message.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.pagination import KeysFirstPaginator, ShortListPaginator, TotalInPagePaginator, with_total
from core.people import person_name
from enterprises.models import Unit
from supervision.meetings import services
from supervision.meetings.models import AgendaItem, FlagKind, FlagState, ItemOutcome, MeetingState
from supervision.meetings.permissions import may_plan_meetings, may_run_meeting, may_see_meetings
from supervision.meetings.selectors import (
    agenda_items_for,
    flags_visible_to,
    jurisdiction_units,
    meetings_visible_to,
    planning_choices,
    sub_case_assignees,
    sub_case_units,
)
from supervision.rechecks import services as recheck_services
from supervision.rechecks.models import RecheckSample
from supervision.rechecks.permissions import may_draw_sample, may_read_rechecks, may_record_recheck
from supervision.rechecks.sampling import default_rate_percent, month_parse, previous_month
from supervision.rechecks.selectors import recheck_items_visible_to, recheck_jurisdictions, recheck_samples_with_counts
from workflow import clock

from ..actions import perform
from ..forms.meetings import (
    CloseMeetingForm,
    DecisionForm,
    DrawForm,
    MeetingForm,
    RecheckRecordForm,
    SubCaseChoices,
    SubCaseFormSet,
)
from ..templatetags.casework import person
from .supervision import refused

User = get_user_model()

MEETINGS_PAGE_SIZE = 20
FLAGS_PAGE_SIZE = 20
SAMPLES_PAGE_SIZE = 20
ITEMS_PAGE_SIZE = 50


# --- the meetings list ---------------------------------------------------------------------------------------


# What a row of each list shows; a list that read whole rows and every relation spent more on them than on its own.
MEETING_ROW_FIELDS = (
    "title",
    "held_on",
    "location",
    "state",
    "jurisdiction__name",
    "chair__username",
    "chair__first_name",
    "chair__last_name",
)
# What a flag waiting for an agenda shows, read as values: as a flag, its case and four more rows, each flag and
# case also setting up its state machine, the pool's twenty rows cost more to build than the database to find.
POOL_ROW_VALUES = {
    "number": F("case__number"),
    "title": F("case__title"),
    "enterprise": F("case__enterprise__name"),
    "unit": F("case__responsible_unit__name"),
    "assignee_username": F("case__assignee__username"),
    "assignee_first_name": F("case__assignee__first_name"),
    "assignee_last_name": F("case__assignee__last_name"),
    "flagged_by_username": F("flagged_by__username"),
    "flagged_by_first_name": F("flagged_by__first_name"),
    "flagged_by_last_name": F("flagged_by__last_name"),
}


@dataclass(frozen=True)
class PoolRow:
    """A flagged case waiting for an agenda, as its row shows it."""

    id: int
    case_id: int
    number: str
    title: str
    enterprise: str
    unit: str | None
    assignee: str  # the name; empty for nobody
    kind: str  # the label
    reason: str
    flagged_by: str
    flagged_at: datetime
    times_deferred: int


def named(username: str | None, first_name: str | None, last_name: str | None) -> str:
    """A person read as values, named as on every page; empty for nobody."""
    return person_name(first_name=first_name, last_name=last_name, username=username) if username else ""


def pool_rows(page) -> list[PoolRow]:
    kinds = dict(FlagKind.choices)
    return [
        PoolRow(
            id=row.id,
            case_id=row.case_id,
            number=row.number,
            title=row.title,
            enterprise=row.enterprise,
            unit=row.unit,
            assignee=named(row.assignee_username, row.assignee_first_name, row.assignee_last_name),
            kind=kinds.get(row.kind, row.kind),
            reason=row.reason,
            flagged_by=named(row.flagged_by_username, row.flagged_by_first_name, row.flagged_by_last_name),
            flagged_at=row.flagged_at,
            times_deferred=row.times_deferred,
        )
        for row in page
    ]


def items_counted(**conditions) -> Subquery:
    """A meeting's agenda items (those meeting ``conditions``) counted by a subquery, not by a grouped join; an
    ungrouped ``COUNT`` is 0 for a meeting without any, as the page shows."""
    # COUNT as a plain function, not the aggregate: an aggregate would group the subquery by its columns.
    items = (
        AgendaItem.objects.filter(meeting=OuterRef("pk"), **conditions)
        .order_by()
        .values(count=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    )
    return Subquery(items)


def meetings_listed(user):
    """Planned meetings first, soonest first; then the held ones, latest first; with their item counts.

    Counted by subqueries, the paginator counts the meetings alone, not a grouped join wrapped in a subquery.
    """
    planned = Q(state=MeetingState.PLANNED)
    return (
        meetings_visible_to(user)
        .select_related(None)
        .select_related("jurisdiction", "chair")
        .prefetch_related(None)
        .prefetch_related(Prefetch("participating_units", queryset=Unit.objects.only("name")))
        .only(*MEETING_ROW_FIELDS)
        .annotate(items_count=items_counted(), open_count=items_counted(outcome=ItemOutcome.OPEN))
        .order_by(
            models.Case(When(planned, then=Value(0)), default=Value(1)),
            models.Case(When(planned, then="held_on")),
            "-held_on",
            "-id",
        )
    )


def pool_of(user):
    """Pending flags on no open agenda: what the next meeting planned takes first; each row carries the number of
    them all (``total``, for ``TotalInPagePaginator``): the pool is longer than a page at a province's scale.

    Only the relations and columns a row shows are read: each join the page never reads costs the planner
    more than the rows cost the executor. For the same reason the open agenda items are a list apart (the few
    of the meetings still planned), not an anti-join the planner weighs against every other join.
    """
    on_open_agenda = AgendaItem.objects.filter(outcome=ItemOutcome.OPEN).values("flag_id")
    waiting = flags_visible_to(user).filter(state=FlagState.PENDING).exclude(pk__in=on_open_agenda)
    rows = waiting.select_related(None).annotate(**POOL_ROW_VALUES).order_by("-times_deferred", "flagged_at", "id")
    shown = ("id", "case_id", "kind", "reason", "flagged_at", "times_deferred", *POOL_ROW_VALUES, "total")
    return with_total(rows, matches=waiting).values_list(*shown, named=True)


def meeting_form_for(user, data=None) -> MeetingForm:
    """The choices of a supervisor's jurisdictions: their leaders and active units (the subtrees their roles
    already hold)."""
    choices = planning_choices(user)
    return MeetingForm(
        data,
        jurisdictions=choices.jurisdictions,
        leaders=sorted(choices.leaders, key=person),
        units=choices.units,
        initial={"held_on": timezone.localdate()},
    )


def render_meetings(request: HttpRequest, form: MeetingForm | None, status: int = 200) -> HttpResponse:
    user = request.user
    meetings = ShortListPaginator(meetings_listed(user), MEETINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    pool = TotalInPagePaginator(pool_of(user), FLAGS_PAGE_SIZE).get_page(request.GET.get("flags_page"))
    return render(
        request,
        "web/meetings/meetings.html",
        {"meetings": meetings, "pool": pool, "pool_rows": pool_rows(pool), "form": form},
        status=status,
    )


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_see_meetings(user):
        return refused(request, _("Only officials take part in the joint review meeting."))
    plans = may_plan_meetings(user)
    if request.method != "POST":
        return render_meetings(request, meeting_form_for(user) if plans else None)
    if not plans:
        return refused(request, _("Only supervisors plan joint review meetings."))
    form = meeting_form_for(user, request.POST)
    if not form.is_valid():
        return render_meetings(request, form, status=400)
    data = form.cleaned_data
    meeting = perform(
        request,
        lambda: services.meeting_create(
            acting_user=user,
            jurisdiction=Unit.objects.get(pk=data["jurisdiction"]),
            held_on=data["held_on"],
            chair=User.objects.get(pk=data["chair"]),
            participating_units=list(Unit.objects.filter(pk__in=data["participating_units"])),
            title=data["title"],
            location=data["location"],
        ),
        success=_("The meeting is planned; its agenda holds the cases waiting for it."),
    )
    return redirect("web:meeting", meeting_id=meeting.pk) if meeting else redirect("web:meetings")


# --- one meeting ---------------------------------------------------------------------------------------------


@dataclass
class AgendaRow:
    item: AgendaItem
    decision_form: DecisionForm | None = None
    sub_case_forms: SubCaseFormSet | None = None


class MeetingPage:
    """One meeting as one person sees it; the sub-case forms share what they choose from, built once."""

    def __init__(self, request: HttpRequest, meeting_id: int) -> None:
        self.request = request
        self.user = request.user
        meeting = meetings_visible_to(self.user).filter(pk=meeting_id).first()
        if meeting is None:
            raise Http404
        self.meeting = meeting
        self.runs = meeting.state == MeetingState.PLANNED and may_run_meeting(meeting, self.user)
        self._choices = None

    def sub_case_choices(self) -> SubCaseChoices:
        """What the sub-case rows share, built once: the meeting's participating units first offered, the
        jurisdiction's units and people searched."""
        if self._choices is None:
            meeting = self.meeting
            units = jurisdiction_units(meeting.jurisdiction)
            search = {"meeting_id": meeting.pk}
            self._choices = SubCaseChoices(
                units=sub_case_units(units),
                assignees=sub_case_assignees(units),
                units_url=reverse("web:lookup-meeting-units", kwargs=search),
                assignees_url=reverse("web:lookup-meeting-assignees", kwargs=search),
                offered_units=sorted(
                    (unit for unit in meeting.participating_units.all() if unit.is_active and unit.pk in units),
                    key=lambda unit: unit.name,
                ),
            )
        return self._choices

    def forms_for(self, item: AgendaItem, data=None) -> tuple[DecisionForm, SubCaseFormSet]:
        prefix = f"item-{item.pk}"
        decision = DecisionForm(data, prefix=prefix)
        rows = SubCaseFormSet(data, prefix=f"{prefix}-sub", form_kwargs={"choices": self.sub_case_choices()})
        return decision, rows

    def render(self, bound: dict | None = None, status: int = 200) -> HttpResponse:
        rows = []
        for item in agenda_items_for(self.user, meeting=self.meeting):
            row = AgendaRow(item=item)
            if self.runs and item.outcome == ItemOutcome.OPEN:
                row.decision_form, row.sub_case_forms = (bound or {}).get(item.pk) or self.forms_for(item)
            rows.append(row)
        meeting = self.meeting
        api = {"pk": meeting.pk}
        context = {
            "meeting": meeting,
            "rows": rows,
            "runs": self.runs,
            "close_form": (bound or {}).get("close") or CloseMeetingForm(),
            "agenda_url": f"{reverse('api:meeting-print', kwargs=api)}?part=agenda",
            "minutes_url": f"{reverse('api:meeting-print', kwargs=api)}?part=minutes",
            "xlsx_url": reverse("api:meeting-minutes-xlsx", kwargs=api),
            "now": timezone.now(),
        }
        return render(self.request, "web/meetings/meeting.html", context, status=status)


@login_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    if not may_see_meetings(request.user):
        return refused(request, _("Only officials take part in the joint review meeting."))
    return MeetingPage(request, meeting_id).render()


def sub_case_rows(forms: SubCaseFormSet) -> list[dict]:
    """The filled rows as the service's keyword arguments; blank rows are left out."""
    return [
        {
            "unit": row["unit"],
            "assignee": row.get("assignee"),
            "title": row["title"],
            "description": row["description"],
            "resolution_workdays": row["resolution_workdays"],
        }
        for row in forms.cleaned_data
        if row
    ]


@login_required
@require_POST
def meeting_decide(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    page = MeetingPage(request, meeting_id)
    item = agenda_items_for(request.user, meeting=page.meeting).filter(pk=item_id).first()
    if item is None:
        raise Http404
    decision, rows = page.forms_for(item, request.POST)
    if not (decision.is_valid() and rows.is_valid()):
        return page.render(bound={item.pk: (decision, rows)}, status=400)
    perform(
        request,
        lambda: services.meeting_item_decide(
            item=item,
            acting_user=request.user,
            decision=decision.cleaned_data["decision"],
            decision_public=decision.cleaned_data["decision_public"],
            sub_cases=sub_case_rows(rows),
        ),
        success=_("The decision on %(number)s is recorded.") % {"number": item.flag.case.number},
    )
    return redirect(f"{reverse('web:meeting', kwargs={'meeting_id': meeting_id})}#item-{item.pk}")


@login_required
@require_POST
def meeting_refresh(request: HttpRequest, meeting_id: int) -> HttpResponse:
    page = MeetingPage(request, meeting_id)
    added = perform(
        request,
        lambda: services.meeting_agenda_refresh(meeting=page.meeting, acting_user=request.user),
        success=_("The agenda is up to date."),
    )
    if added:
        messages.info(
            request, ngettext("%(count)d case added.", "%(count)d cases added.", len(added)) % {"count": len(added)}
        )
    return redirect("web:meeting", meeting_id=meeting_id)


@login_required
@require_POST
def meeting_close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    page = MeetingPage(request, meeting_id)
    form = CloseMeetingForm(request.POST)
    if not form.is_valid():
        return page.render(bound={"close": form}, status=400)
    perform(
        request,
        lambda: services.meeting_close(
            meeting=page.meeting, acting_user=request.user, notes=form.cleaned_data["notes"]
        ),
        success=_("The meeting is closed as held."),
    )
    return redirect("web:meeting", meeting_id=meeting_id)


# --- re-checks -----------------------------------------------------------------------------------------------


def draw_form_for(user, data=None) -> DrawForm:
    now = clock.now()
    return DrawForm(
        data,
        now=now,
        jurisdictions=recheck_jurisdictions(user),
        rate_percent=default_rate_percent(),
        initial={"period": previous_month(now).label},
    )


def render_rechecks(request: HttpRequest, form: DrawForm | None, status: int = 200) -> HttpResponse:
    samples = recheck_samples_with_counts(request.user).order_by("-period_start", "-id")
    page = KeysFirstPaginator(samples, SAMPLES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/meetings/rechecks.html", {"page": page, "form": form}, status=status)


@login_required
def recheck_samples(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_read_rechecks(user):
        return refused(request, _("Only supervisors and leaders can see re-checks."))
    draws = may_draw_sample(user)
    if request.method != "POST":
        return render_rechecks(request, draw_form_for(user) if draws else None)
    if not draws:
        return refused(request, _("Only supervisors draw re-check samples."))
    form = draw_form_for(user, request.POST)
    if not form.is_valid():
        return render_rechecks(request, form, status=400)
    data = form.cleaned_data
    sample = perform(
        request,
        lambda: recheck_services.recheck_sample_draw(
            acting_user=user,
            period=month_parse(data["period"]),
            jurisdiction=Unit.objects.get(pk=data["jurisdiction"]),
            rate_percent=data["rate_percent"],
            seed=data["seed"],
        ),
        success=_("The sample is drawn. Record each re-check as it is made."),
    )
    return redirect("web:recheck-sample", sample_id=sample.pk) if sample else redirect("web:rechecks")


def visible_sample(user, sample_id: int) -> RecheckSample:
    sample = recheck_samples_with_counts(user).filter(pk=sample_id).first()
    if sample is None:
        raise Http404
    return sample


def render_sample(request: HttpRequest, sample: RecheckSample, bound: dict | None = None, status: int = 200):
    user = request.user
    items = KeysFirstPaginator(recheck_items_visible_to(user, sample=sample), ITEMS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        (
            item,
            (bound or {}).get(item.pk) or RecheckRecordForm(prefix=f"item-{item.pk}")
            if not item.result and may_record_recheck(item.case, user)
            else None,
        )
        for item in items
    ]
    context = {"sample": sample, "page": items, "rows": rows}
    return render(request, "web/meetings/recheck_sample.html", context, status=status)


@login_required
def recheck_sample(request: HttpRequest, sample_id: int) -> HttpResponse:
    if not may_read_rechecks(request.user):
        return refused(request, _("Only supervisors and leaders can see re-checks."))
    return render_sample(request, visible_sample(request.user, sample_id))


@login_required
@require_POST
def recheck_record(request: HttpRequest, sample_id: int, item_id: int) -> HttpResponse:
    user = request.user
    if not may_read_rechecks(user):
        return refused(request, _("Only supervisors and leaders can see re-checks."))
    sample = visible_sample(user, sample_id)
    item = recheck_items_visible_to(user, sample=sample).filter(pk=item_id).first()
    if item is None:
        raise Http404
    form = RecheckRecordForm(request.POST, prefix=f"item-{item.pk}")
    if not form.is_valid():
        return render_sample(request, sample, bound={item.pk: form}, status=400)
    perform(
        request,
        lambda: recheck_services.recheck_record(item=item, acting_user=user, **form.cleaned_data),
        success=_("The re-check of %(number)s is recorded.") % {"number": item.case.number},
    )
    return redirect(f"{reverse('web:recheck-sample', kwargs={'sample_id': sample.pk})}#item-{item.pk}")
