"""The case API's views: list, detail, filing, one POST endpoint per action, comments and attachments.

Views parse, call a service or selector, and render. Every case reached here
comes through ``cases_visible_to``; whatever the user may not see is a 404.
"""

import builtins
from contextlib import nullcontext
from functools import cached_property, lru_cache
from typing import cast
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Case, CaseState
from cases.selectors import (
    attachments_for_user,
    case_for_user,
    cases_assigned_to,
    cases_visible_in_sized_parts,
    cases_visible_to,
    comments_for_user,
    similar_open_cases,
)
from core.api import Pagination
from core.errors import Conflict, InvalidInput, NotFound
from core.filters import DjangoFilterBackend
from core.pagination import FirstPageApart, OrderedUnion, ShortListPaginator, TotalInPagePaginator, total_of
from core.parsers import JSONParser
from core.statements import STAND_IN_ID, CompiledOnce, prepared
from enterprises.access import roles_for_user, stand_in_official

from .. import services
from ..filters import CASE_ORDERING_FIELDS, CaseFilter, ReturnedFirstOrdering, read_as_they_lie
from ..selectors import extensions_visible_to
from .inputs import (
    AssignInput,
    AttachmentInput,
    CaseFileInput,
    CloseInput,
    CommentInput,
    ExtensionInput,
    MergeInput,
    PauseInput,
    ReasonInput,
    ReassignInput,
    ResolveInput,
    UrgeInput,
    VersionedInput,
)
from .serializers import (
    CASE_LIST_COLUMNS,
    AttachmentSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    CommentSerializer,
    ExtensionSerializer,
    SimilarCaseSerializer,
)

# A search counts its matches up to this many (and pages that far); ``count_exact`` says whether there are more.
SEARCH_COUNT_LIMIT = 1000


class LimitedCountPaginator(ShortListPaginator):
    """Counts at most ``limit`` rows, and remembers whether there were more.

    The count reads until it has seen ``limit + 1`` rows, in whatever order is cheapest: at province scale a
    two-character word matches tens of thousands of cases, and counting them all reads most of the table
    for a number nobody pages through (GitHub's search answers at most a thousand results for that reason).
    A search whose matches fit on its first page (a case's number) is not counted at all: the count's trigram
    scan cost as much as the page's.
    """

    limit = SEARCH_COUNT_LIMIT
    object_list: QuerySet[Case]

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.limit)

    @property
    def count_exact(self) -> bool:
        return self.counted <= self.limit

    def known_count(self, count: int) -> None:
        self.counted = count
        super().known_count(count)


class CaseListPagination(Pagination):
    """The case list's pages: every match counted by the page's own query (``with_total``), except for a search,
    counted apart up to a limit (``LimitedCountPaginator``)."""

    def paginate_queryset(self, queryset, request, view=None):
        """``queryset``: for a search, the matches; else their disjoint parts, merged (``OrderedUnion``), each row
        carrying the total."""
        searched = request.query_params.get("search", "").strip()
        self.django_paginator_class = LimitedCountPaginator if searched else TotalInPagePaginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        response.data["count_exact"] = not isinstance(paginator, LimitedCountPaginator) or paginator.count_exact
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = [*paginated["required"], "count_exact"]
        paginated["properties"]["count_exact"] = {
            "type": "boolean",
            "description": f"False when a search matched more than {SEARCH_COUNT_LIMIT} cases: count is then "
            f"{SEARCH_COUNT_LIMIT} and the pages reach that far. Narrow the search to see the rest.",
        }
        return paginated


# What an official's queue asks of their own assignments (``CaseViewSet.first_page``).
QUEUE_PARAMS = frozenset({"assignee", "state", "ordering", "page", "page_size"})


@lru_cache(maxsize=64)
def _own_first_page(states: tuple[str, ...], ordering: str | None, size: int) -> CompiledOnce:
    """The statement of an official's own assignments' first ``size`` rows in ``states`` and ``ordering``, as the
    case list builds it for a stand-in official."""

    def build(*, user_id: int) -> QuerySet[Case]:
        asked = [*(("state", state) for state in states), ("assignee", str(user_id))]
        if ordering is not None:
            asked.append(("ordering", ordering))
        request = HttpRequest()
        request.method, request.GET = "GET", QueryDict(urlencode(asked))
        view = CaseViewSet(request=Request(request), action="list", args=(), kwargs={}, format_kwarg=None)
        view.request.user = stand_in_official(user_id)
        return view.listed().first(size)

    return CompiledOnce(build, user_id=STAND_IN_ID)


@extend_schema_view(
    list=extend_schema(summary="Cases the user may see", description="Filters, ordering and pagination."),
    retrieve=extend_schema(summary="One case with its comments, attachments and timeline"),
    create=extend_schema(summary="File a problem", request=CaseFileInput, responses={201: CaseDetailSerializer}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = CaseFilter
    pagination_class = CaseListPagination
    filter_backends = [DjangoFilterBackend, ReturnedFirstOrdering]
    ordering_fields = CASE_ORDERING_FIELDS

    def get_queryset(self):
        if self.action != "list":
            return cases_visible_to(self.request.user)
        if self.lists_own_assignments():
            # One's own assignments (the queue): the gate narrowed to them, which plans as the index reads.
            return cases_assigned_to(self.request.user).only(*CASE_LIST_COLUMNS)
        return cases_visible_to(self.request.user).only(*CASE_LIST_COLUMNS)

    def lists_own_assignments(self) -> bool:
        return self.request.query_params.get("assignee") == str(self.request.user.pk)

    def list_parts(self) -> list[tuple[QuerySet[Case], bool]]:
        """What the list reads, in disjoint parts, each with whether it holds only a person's few cases: a unit
        head's units and the rest apart, anything else whole."""
        if self.lists_own_assignments():
            return [(self.get_queryset(), True)]
        # Merged (parts, or a part's pieces), the rows are ordered by what they select: with the one column offered
        # to order by and not shown.
        return [
            (part.only(*CASE_LIST_COLUMNS, "updated_at"), few)
            for part, few in cases_visible_in_sized_parts(self.request.user)
        ]

    def list(self, request, *args, **kwargs):
        """A search reads the gate whole (its trigram index has no order to keep); any other list reads what the
        user sees in its disjoint parts, each filtered and ordered alike, merged a page at a time and counted by
        the page's own query, each read as its rows lie (``read_as_they_lie``). One's own assignments' first page
        is read by a statement compiled once (``first_page``)."""
        if request.query_params.get("search", "").strip():
            return super().list(request, *args, **kwargs)
        own = self.lists_own_assignments()
        rows = FirstPageApart(self.first_page, self.listed) if own else self.listed()
        # One's own assignments are read alike whoever asks (the index of their assignee), so the statement is
        # planned once per connection; a list of many parts is planned for its values each time.
        with prepared() if own else nullcontext():
            page = self.paginate_queryset(rows)  # type: ignore[arg-type]  # sliced and counted, as a paginator reads a queryset
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def listed(self) -> OrderedUnion:
        """The list's rows, each carrying the total, as ``list`` reads them."""
        parts = [(self.filter_queryset(part), few) for part, few in self.list_parts()]
        total = total_of(*(part for part, _few in parts))
        counted = [(part.annotate(total=total), few) for part, few in parts]
        ordering = parts[0][0].query.order_by
        return OrderedUnion(read_as_they_lie(counted, self.request.query_params), ordering)

    def first_page(self, size: int) -> builtins.list[Case] | None:  # "list" alone is the action above, in here
        """The first page of one's own assignments (an official's queue), read by a statement compiled once per
        shape for every official, the person a stand-in; None for a list of another shape, read as built.

        Building and compiling the statement took a third of a cadre's queue request at a million cases, each time
        for the same SQL but the person's id. Only states and an order are asked of it (none depends on the
        moment or on more of the person than that they are an official, which the list's parts and filters read);
        anything else, or a value they would refuse, is read as built."""
        params = self.request.query_params
        states = tuple(params.getlist("state"))
        ordering = params.get("ordering")
        shaped = set(params) <= QUEUE_PARAMS and set(states) <= set(CaseState.values)
        if not shaped or not roles_for_user(self.request.user).is_official:
            return None
        if ordering is not None and ordering.removeprefix("-") not in CASE_ORDERING_FIELDS:
            return None
        return cast(list[Case], _own_first_page(states, ordering, size).instances(user_id=self.request.user.pk))

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseDetailSerializer

    def get_object(self) -> Case:
        return case_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request):
        data = self.parse(CaseFileInput, request)
        case = services.case_file(acting_user=request.user, **data)
        return self.render(case, status.HTTP_201_CREATED)

    def parse(self, input_class, request, **kwargs) -> dict:
        serializer = input_class(data=request.data, context={"request": request}, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def parse_action(self, input_class, request) -> tuple[Case, dict]:
        case = self.get_object()
        data = self.parse(input_class, request)
        expected = data.pop("version", None)
        if expected is not None and expected != case.version:
            raise Conflict(
                _("Someone else changed this case a moment ago. Reload it and try again."), code="stale_case"
            )
        return case, data

    def render(self, case: Case, status_code=status.HTTP_200_OK) -> Response:
        """The case as the user now sees it; after an action that took it out of their sight
        (a send-back, a reassignment away) only its summary, so nothing internal leaks."""
        context = self.get_serializer_context()
        try:
            fresh = case_for_user(self.request.user, case.pk)
        except NotFound:
            return Response(CaseListSerializer(case, context=context).data, status=status_code)
        return Response(CaseDetailSerializer(fresh, context=context).data, status=status_code)

    @extend_schema(summary="Route to a cadre (调度)", request=AssignInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case, data = self.parse_action(AssignInput, request)
        return self.render(services.case_assign(case=case, acting_user=request.user, **data))

    @extend_schema(summary="Sign for the case (签收)", request=VersionedInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        case, _data = self.parse_action(VersionedInput, request)
        return self.render(services.case_accept(case=case, acting_user=request.user))

    @extend_schema(summary="Send back to the dispatcher (退单)", request=ReasonInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        case, data = self.parse_action(ReasonInput, request)
        return self.render(services.case_send_back(case=case, acting_user=request.user, **data))

    @extend_schema(summary="Reassign to another cadre", request=ReassignInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        case, data = self.parse_action(ReassignInput, request)
        return self.render(services.case_reassign(case=case, acting_user=request.user, **data))

    @extend_schema(summary="Resolve with a reply", request=ResolveInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        case, data = self.parse_action(ResolveInput, request)
        return self.render(services.case_resolve(case=case, acting_user=request.user, **data))

    @extend_schema(summary="Reject the solution (不认可)", request=ReasonInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        case, data = self.parse_action(ReasonInput, request)
        return self.render(services.case_reopen(case=case, acting_user=request.user, **data))

    @extend_schema(summary="Confirm and cross off (销号)", request=CloseInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case, data = self.parse_action(CloseInput, request)
        return self.render(services.case_close(case=case, acting_user=request.user, **data))

    @extend_schema(summary="Withdraw (撤回)", request=ReasonInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case, data = self.parse_action(ReasonInput, request)
        return self.render(services.case_withdraw(case=case, acting_user=request.user, **data))

    @extend_schema(
        summary="Merge a duplicate into the enterprise's other case (并单)",
        description="Dispatchers, and supervisors within their jurisdiction. The case, opened or assigned, is "
        "closed as a duplicate of `into` (same enterprise, open); its clocks stop and the rates leave it out.",
        request=MergeInput,
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        case, data = self.parse_action(MergeInput, request)
        into = cases_visible_to(request.user).filter(pk=data.pop("into")).first()
        if into is None:
            message = _("The case to merge into does not exist.")
            raise InvalidInput(message, code="merge_into_unknown", fields={"into": [message]})
        return self.render(services.case_merge(case=case, into=into, acting_user=request.user, **data))

    @extend_schema(
        summary="Open cases that look like this one",
        description="Among the open cases the user sees: a similar title, the same category first, then the same "
        "township; at most five. The enterprise's own are duplicates to merge, others' a common problem to raise.",
        responses=SimilarCaseSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def similar(self, request, pk=None):
        suggestions = similar_open_cases(request.user, self.get_object())
        return Response(SimilarCaseSerializer(suggestions, many=True).data)

    @extend_schema(
        summary="Change the urging level (催办 → 督办 → 挂牌督办)",
        description="Supervisors only. Raising needs a future `answer_due_at`; 0 clears the level. "
        "The leader's board of 挂牌督办 cases is `GET /api/v1/cases/?urging_level=3`.",
        request=UrgeInput,
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        case, data = self.parse_action(UrgeInput, request)
        return self.render(services.case_urge(case=case, acting_user=request.user, **data))

    @extend_schema(
        summary="Pause the resolution clock for material (挂起)",
        description="The assignee. Within `HUIYIN_PAUSE_MAX_COUNT` pauses and `HUIYIN_PAUSE_MAX_WORKDAYS` paused "
        "working days per case the clock stops at once and the enterprise is told what is needed; beyond them the "
        "pause waits for a supervisor (`pauses[].state` is `requested`) and the clock runs on meanwhile.",
        request=PauseInput,
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        case, data = self.parse_action(PauseInput, request)
        services.case_pause(case=case, acting_user=request.user, **data)
        return self.render(case)

    @extend_schema(
        summary="Resume the paused resolution clock",
        description="The assignee or the unit's head; the clock runs again with the working days it had left.",
        request=VersionedInput,
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        case, _data = self.parse_action(VersionedInput, request)
        return self.render(services.case_resume(case=case, acting_user=request.user))

    @extend_schema(methods=["get"], summary="Comments the user may see", responses=CommentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        summary="Add a public reply or internal note",
        request=CommentInput,
        responses={201: CommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response(CommentSerializer(comments_for_user(request.user, case), many=True).data)
        data = self.parse(CommentInput, request)
        comment = services.comment_add(case=case, acting_user=request.user, **data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], summary="Attachments the user may see", responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        summary="Upload a document or image",
        request={"multipart/form-data": AttachmentInput},
        responses={201: AttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request, pk=None):
        case = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = attachments_for_user(request.user, case)
            return Response(AttachmentSerializer(rows, many=True, context=context).data)
        data = self.parse(AttachmentInput, request)
        attachment = services.attachment_add(
            case=case, acting_user=request.user, upload=data["file"], visibility=data["visibility"]
        )
        return Response(AttachmentSerializer(attachment, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], summary="Extension requests of the case", responses=ExtensionSerializer(many=True))
    @extend_schema(
        methods=["post"],
        summary="Ask for more time (延期)",
        request=ExtensionInput,
        responses={201: ExtensionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def extensions(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            rows = extensions_visible_to(request.user).filter(case=case)
            return Response(ExtensionSerializer(rows, many=True).data)
        data = self.parse(ExtensionInput, request)
        extension = services.extension_request_create(case=case, acting_user=request.user, **data)
        return Response(ExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an attachment",
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        # Served with the type it was uploaded as: a document or an image.
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)", filter_backends=[])
    def download(self, request, pk=None, attachment_id=None):
        case = self.get_object()
        attachment = attachments_for_user(request.user, case).filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
