"""The overdue circulars (督办通报) in the browser: the list, drafting, the document page with its edit form,
regeneration, deletion and publication. Views parse, call the services of ``supervision.circulars`` and the
selector ``circulars_visible_to``, and render the stored snapshot with the exports' own labels.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import NotFound
from core.pagination import ShortListPaginator
from enterprises.access import roles_for_user
from enterprises.models import Unit
from supervision.circulars import services
from supervision.circulars.exports import (
    COMMON_HEADERS,
    OVERDUE_HEADERS,
    PEOPLE_HEADERS,
    RANKING_HEADERS,
    RETURNED_HEADERS,
    SECTION_NUMBERS,
    WORST_HEADERS,
    common_rows,
    issue_line,
    local_date_text,
    overdue_case_cells,
    people_rows,
    ranking_rows,
    returned_rows,
    summary_pairs,
    summary_sentence,
    t,
    unit_name,
    worst_rows,
)
from supervision.circulars.models import Circular, CircularState
from supervision.circulars.permissions import may_change_circular, may_prepare_circulars
from supervision.circulars.selectors import circular_for_user, circulars_listed
from supervision.circulars.snapshot import circular_number, named_units, period_text, tier_text
from supervision.exports import in_language
from workflow import clock

from ..actions import perform
from ..forms.circulars import CircularActionForm, CircularCreateForm, CircularEditForm, ConfirmedActionForm
from .supervision import refused

CIRCULARS_PAGE_SIZE = 20

CONFIRM_LABELS = {
    "publish": gettext_lazy(
        "I have reviewed it: publishing is final, the circular gets its number and can no longer be changed."
    ),
    "delete": gettext_lazy("Delete this draft for good."),
}


def jurisdictions_to_choose(user) -> list[Unit]:
    """The jurisdictions a supervisor of several chooses between for a circular, by name: the tops of their
    supervision. None for a supervisor of one, whose jurisdiction the service takes: nothing to read."""
    roots = roles_for_user(user).supervised_root_ids
    return sorted(Unit.objects.filter(pk__in=roots), key=lambda unit: unit.name) if len(roots) > 1 else []


CIRCULAR_ROW_FIELDS = (
    "state",
    "title",
    "period_kind",
    "period_start",
    "period_end",
    "year",
    "sequence",
    "published_at",
    "generated_at",
    "jurisdiction__name",
)


@dataclass
class CircularRow:
    circular: Circular
    number: str
    period: str


def circular_rows(page) -> list[CircularRow]:
    return [
        CircularRow(
            circular=circular,
            number=circular_number(circular.year, circular.sequence) or issue_line(circular),
            period=period_text(circular.period_kind, circular.period_start, circular.period_end),
        )
        for circular in page
    ]


@login_required
def circulars(request: HttpRequest) -> HttpResponse:
    """Published circulars for every official; a supervisor's drafts and the form that generates one."""
    user = request.user
    roles = roles_for_user(user)
    if not roles.is_official:
        return refused(request, _("Circulars are for government officials."))
    form, status = None, 200
    prepares = may_prepare_circulars(user)
    if prepares:
        form = CircularCreateForm(
            request.POST if request.method == "POST" else None,
            now=clock.now(),
            jurisdictions=jurisdictions_to_choose(user),
        )
        if form.is_bound:
            if form.is_valid():
                circular = perform(
                    request,
                    lambda: services.circular_create(
                        acting_user=user,
                        period=form.cleaned_data["period"],
                        jurisdiction=form.chosen_jurisdiction(),
                        worst_count=form.cleaned_data["worst_count"],
                    ),
                    success=_("The draft is ready. Review the figures, edit the wording, then publish it."),
                )
                if circular is not None:
                    return redirect("web:circular", circular_id=circular.pk)
            status = 400
    elif request.method == "POST":
        return refused(request, _("Only supervisors prepare circulars."))
    # What a row shows, not the wording nor the people: a list reads a dozen rows of long texts otherwise.
    visible = circulars_listed(user).select_related(None).select_related("jurisdiction").only(*CIRCULAR_ROW_FIELDS)
    published = ShortListPaginator(visible.filter(state=CircularState.PUBLISHED), CIRCULARS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    drafts = None
    if prepares:
        drafts = ShortListPaginator(visible.filter(state=CircularState.DRAFT), CIRCULARS_PAGE_SIZE).get_page(
            request.GET.get("drafts_page")
        )
    return render(
        request,
        "web/circulars/list.html",
        {
            "form": form,
            "published": published,
            "published_rows": circular_rows(published),
            "drafts": drafts,
            "draft_rows": circular_rows(drafts) if drafts is not None else [],
        },
        status=status,
    )


# --- one circular --------------------------------------------------------------------------------------------


def visible_circular(user, circular_id: int) -> Circular:
    try:
        return circular_for_user(user, circular_id)
    except NotFound:
        raise Http404 from None


def labelled(headers: tuple[str, ...], rows: list[list]) -> list[list[tuple[str, object]]]:
    """Each cell with its column's label, for the phone layout's ``data-label``."""
    labels = [t(header) for header in headers]
    return [list(zip(labels, row, strict=True)) for row in rows]


def section_heading(position: int, key: str) -> str:
    """一、总体情况 — numbered as the PDF numbers them."""
    return in_language((f"{SECTION_NUMBERS[position - 1]}、", f"{position}. ")) + t(key)


def overdue_groups(circular: Circular) -> list[dict]:
    headers = OVERDUE_HEADERS[1:]
    return [
        {
            "unit": unit_name(group["unit"]),
            "count": group["count"],
            "max_workdays": group["max_workdays"],
            "headers": [t(header) for header in headers],
            "rows": labelled(headers, [overdue_case_cells(case) for case in group["cases"]]),
        }
        for group in circular.content["overdue_by_unit"]
    ]


def ranking_tiers(circular: Circular) -> list[dict]:
    ranking = circular.content["ranking"]
    tiers = []
    for tier in dict.fromkeys(entry["tier"] for entry in ranking):
        entries = [entry for entry in ranking if entry["tier"] == tier]
        # The tier is the table's heading, so its column is left out.
        rows = [row[1:] for row in ranking_rows(circular, entries)]
        tiers.append(
            {
                "name": tier_text(tier),
                "headers": [t(header) for header in RANKING_HEADERS[1:]],
                "rows": labelled(RANKING_HEADERS[1:], rows),
            }
        )
    return tiers


def document(circular: Circular) -> dict:
    """The circular as the page reads it: the stored snapshot, in the words of its exports."""
    issued: datetime = circular.published_at or datetime.fromisoformat(circular.content["generated_at"])
    named = named_units(circular.content)
    return {
        "series": t("series"),
        "issue": issue_line(circular),
        "number": circular_number(circular.year, circular.sequence),
        "issued_on": local_date_text(issued),
        "period": period_text(circular.period_kind, circular.period_start, circular.period_end),
        "generated_at": datetime.fromisoformat(circular.content["generated_at"]),
        "headings": {
            key: section_heading(position, f"section_{key}")
            for position, key in enumerate(("summary", "overdue", "returned", "ranking", "worst", "requirements"), 1)
        },
        "people_title": t("section_people"),
        "summary": summary_sentence(circular),
        "summary_pairs": summary_pairs(circular),
        "overdue": overdue_groups(circular),
        "people_headers": [t(header) for header in PEOPLE_HEADERS],
        "people": labelled(PEOPLE_HEADERS, people_rows(circular)),
        "returned_headers": [t(header) for header in RETURNED_HEADERS],
        "returned": labelled(RETURNED_HEADERS, returned_rows(circular)),
        "common_title": t("section_common"),
        "common_headers": [t(header) for header in COMMON_HEADERS],
        "common": labelled(COMMON_HEADERS, common_rows(circular)),
        "tiers": ranking_tiers(circular),
        "worst_headers": [t(header) for header in WORST_HEADERS],
        "worst": labelled(WORST_HEADERS, worst_rows(circular)),
        "requirements": [line.strip() for line in circular.requirements.splitlines() if line.strip()],
        "comments": [
            (name, circular.unit_comments[str(unit_id)])
            for unit_id, name in named.items()
            if circular.unit_comments.get(str(unit_id))
        ],
        "none": t("none"),
    }


def circular_context(request: HttpRequest, circular: Circular, bound: dict | None = None) -> dict:
    """The page and, for a supervisor of its jurisdiction while it is a draft, the forms that act on it."""
    manages = may_change_circular(circular, request.user)
    forms = {}
    if manages:
        initial = {"version": circular.version}
        forms = {
            "edit": CircularEditForm(circular=circular, named=named_units(circular.content)),
            "regenerate": CircularActionForm(initial=initial, auto_id="regenerate-%s"),
            "publish": ConfirmedActionForm(
                initial=initial, auto_id="publish-%s", confirm_label=CONFIRM_LABELS["publish"]
            ),
            "delete": ConfirmedActionForm(initial=initial, auto_id="delete-%s", confirm_label=CONFIRM_LABELS["delete"]),
            **(bound or {}),
        }
    return {
        "circular": circular,
        "document": document(circular),
        "forms": forms,
        "xlsx_url": reverse("api:circular-xlsx", kwargs={"pk": circular.pk}),
        "pdf_url": reverse("api:circular-pdf", kwargs={"pk": circular.pk}),
    }


@login_required
def circular_page(request: HttpRequest, circular_id: int) -> HttpResponse:
    circular = visible_circular(request.user, circular_id)
    return render(request, "web/circulars/detail.html", circular_context(request, circular))


@login_required
@require_POST
def circular_edit(request: HttpRequest, circular_id: int) -> HttpResponse:
    """Save a draft's wording; a refused edit (someone saved first, or it was published) keeps what was typed."""
    circular = visible_circular(request.user, circular_id)
    form = CircularEditForm(request.POST, circular=circular, named=named_units(circular.content))
    if form.is_valid():
        data = form.cleaned_data
        done = perform(
            request,
            lambda: services.circular_update(
                circular=circular,
                acting_user=request.user,
                version=data["version"],
                title=data["title"],
                introduction=data["introduction"],
                requirements=data["requirements"],
                unit_comments=form.unit_comments(),
            ),
            success=_("The draft was saved."),
        )
        if done is not None:
            return redirect("web:circular", circular_id=circular.pk)
        status = 409
    else:
        status = 400
    return render(
        request, "web/circulars/detail.html", circular_context(request, circular, {"edit": form}), status=status
    )


ACTIONS = {
    "regenerate": (
        lambda circular, user, version: services.circular_regenerate(
            circular=circular, acting_user=user, version=version
        ),
        gettext_lazy("The figures were taken anew, as of now."),
    ),
    "publish": (
        lambda circular, user, version: services.circular_publish(circular=circular, acting_user=user, version=version),
        gettext_lazy("Published. The units it names have been told."),
    ),
    "delete": (
        # Deleting returns nothing; the circular stands for "done", as a refusal returns None.
        lambda circular, user, version: (
            services.circular_delete(circular=circular, acting_user=user, version=version) or circular
        ),
        gettext_lazy("The draft was deleted."),
    ),
}


@login_required
@require_POST
def circular_action(request: HttpRequest, circular_id: int, action: str) -> HttpResponse:
    """Regenerate, publish or delete a draft; publishing and deleting need the confirmation box ticked."""
    if action not in ACTIONS:
        raise Http404
    circular = visible_circular(request.user, circular_id)
    if action == "regenerate":
        form = CircularActionForm(request.POST)
    else:
        form = ConfirmedActionForm(request.POST, auto_id=f"{action}-%s", confirm_label=CONFIRM_LABELS[action])
    if not form.is_valid():
        return render(
            request, "web/circulars/detail.html", circular_context(request, circular, {action: form}), status=400
        )
    run, success = ACTIONS[action]
    done = perform(request, lambda: run(circular, request.user, form.cleaned_data["version"]), success=str(success))
    if done is None:
        return redirect("web:circular", circular_id=circular.pk)
    if action == "delete":
        return redirect("web:circulars")
    return redirect("web:circular", circular_id=circular.pk)
