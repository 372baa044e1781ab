"""The case API: list, detail, filing, one POST endpoint per action, comments and attachments.

Views parse, call a service or selector, and render. Every case reached here
comes through ``cases_visible_to``; whatever the user may not see is a 404.
"""

from datetime import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Category,
    Comment,
    Complexity,
    ResolutionType,
    Satisfaction,
    UrgingLevel,
    Visibility,
)
from cases.selectors import (
    attachments_for_user,
    case_for_user,
    cases_held_by,
    cases_visible_to,
    comments_for_user,
    events_for_user,
    similar_open_cases,
    user_sees_internal,
)
from core import limits
from core.api import IdField
from core.errors import Conflict, InvalidInput, NotFound
from core.parsers import JSONParser
from enterprises.access import roles_for_user
from enterprises.api import PersonSerializer
from enterprises.models import Enterprise, KeyProject, Unit
from enterprises.selectors import enterprises_user_files_for

from . import services
from .filters import CASE_ORDERING_FIELDS, CaseFilter, ReturnedFirstOrdering
from .models import ClockPause, ExtensionRequest
from .selectors import PAUSE_RELATED, available_actions, extensions_visible_to, pauses_visible_to, running_pause

User = get_user_model()


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()


# What a case in a list shows and what its available actions read (the transitions' conditions and
# permissions): nothing more leaves the database for a page of a list. A test pins that a page of cases in
# every state, as every role, reads none of the rest.
CASE_LIST_COLUMNS = (
    *("id", "number", "title", "state", "version", "complexity", "deadlines_provisional", "closure"),
    *("filed_at", "assigned_at", "accepted_at", "resolved_at", "closed_at", "sent_back_at"),
    *("response_due_at", "first_reply_due_at", "resolution_due_at", "confirmation_due_at"),
    *("urging_level", "urging_answer_due_at", "parent_id", "enterprise_reopen_count", "paused_until"),
    *("enterprise__id", "enterprise__name", "enterprise__township_id"),
    *("category__id", "category__name_zh", "category__name_en"),
    *("assignee__id", "assignee__username", "assignee__first_name", "assignee__last_name"),
    *("responsible_unit__id", "responsible_unit__name"),
)
_DATETIME = serializers.DateTimeField()


def moment(value: datetime | None) -> str | None:
    """A moment as every DateTimeField of the API writes it (ISO 8601 in Beijing time)."""
    return None if value is None else _DATETIME.to_representation(value)


def person_dict(user) -> dict | None:
    """``PersonSerializer``'s answer, written out."""
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def named_dict(row) -> dict | None:
    return None if row is None else {"id": row.pk, "name": row.name}


class CaseListSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    category = NamedSerializer()
    enterprise = NamedSerializer()
    assignee = PersonSerializer(allow_null=True)
    responsible_unit = NamedSerializer(allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    is_returned = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    urging_level = serializers.SerializerMethodField(help_text="0–3 on the urging ladder; null for enterprise users.")
    urging_level_display = serializers.SerializerMethodField()
    urging_answer_due_at = serializers.SerializerMethodField()
    paused_until = serializers.DateTimeField(
        allow_null=True,
        read_only=True,
        help_text="Set while the resolution clock is paused (挂起): the end of the expected date; "
        "resolution_due_at is null meanwhile.",
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "state",
            "state_display",
            "category",
            "enterprise",
            "assignee",
            "responsible_unit",
            "complexity",
            "filed_at",
            "assigned_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "response_due_at",
            "first_reply_due_at",
            "resolution_due_at",
            "confirmation_due_at",
            "deadlines_provisional",
            "paused_until",
            "is_overdue",
            "is_returned",
            "urging_level",
            "urging_level_display",
            "urging_answer_due_at",
            "version",
            "available_actions",
        ]

    def to_representation(self, case: Case) -> dict:
        """The fields above, written out by hand: DRF's field-by-field machinery costs a quarter of a
        millisecond a row, most of a queue page's time at province scale. The declared fields still
        describe the API (the schema) and a test holds this to what they would give."""
        user = self.context["request"].user
        official = roles_for_user(user).is_official
        labels = self.labels()
        return {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "state": case.state,
            "state_display": labels[case.state],
            "category": {"id": case.category_id, "name": case.category.name},
            "enterprise": {"id": case.enterprise_id, "name": case.enterprise.name},
            "assignee": person_dict(case.assignee),
            "responsible_unit": named_dict(case.responsible_unit),
            "complexity": case.complexity,
            "filed_at": moment(case.filed_at),
            "assigned_at": moment(case.assigned_at),
            "accepted_at": moment(case.accepted_at),
            "resolved_at": moment(case.resolved_at),
            "closed_at": moment(case.closed_at),
            "response_due_at": moment(case.response_due_at),
            "first_reply_due_at": moment(case.first_reply_due_at),
            "resolution_due_at": moment(case.resolution_due_at),
            "confirmation_due_at": moment(case.confirmation_due_at),
            "deadlines_provisional": case.deadlines_provisional,
            "paused_until": moment(case.paused_until),
            "is_overdue": case.is_overdue(),
            "is_returned": official and case.state == CaseState.OPENED and case.sent_back_at is not None,
            "urging_level": case.urging_level if official else None,
            "urging_level_display": labels[case.urging_level] if official else None,
            "urging_answer_due_at": moment(case.urging_answer_due_at) if official else None,
            "version": case.version,
            "available_actions": available_actions(case, user),
        }

    def labels(self) -> dict:
        """The states' and urging levels' names in the request's language, translated once per response."""
        if "labels" not in self.context:
            choices = [*CaseState.choices, *UrgingLevel.choices]
            self.context["labels"] = {value: str(label) for value, label in choices}  # type: ignore[index]  # a dict; the stubs say Mapping
        return self.context["labels"]

    def get_is_overdue(self, case) -> bool:
        return case.is_overdue()

    def get_is_returned(self, case) -> bool:
        """A send-back is internal: only officials learn that a case came back."""
        returned = case.state == CaseState.OPENED and case.sent_back_at is not None
        return returned and roles_for_user(self.context["request"].user).is_official

    def get_available_actions(self, case) -> list[str]:
        return available_actions(case, self.context["request"].user)

    def shows_urging(self) -> bool:
        """Urging is internal: only officials learn that a case is being pressed."""
        return roles_for_user(self.context["request"].user).is_official

    def get_urging_level(self, case) -> int | None:
        return case.urging_level if self.shows_urging() else None

    def get_urging_level_display(self, case) -> str | None:
        return str(case.get_urging_level_display()) if self.shows_urging() else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_urging_answer_due_at(self, case) -> str | None:
        if not self.shows_urging() or case.urging_answer_due_at is None:
            return None
        return serializers.DateTimeField().to_representation(case.urging_answer_due_at)


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer()

    class Meta:
        model = Comment
        fields = ["id", "author", "visibility", "body", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = PersonSerializer()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "visibility",
            "uploaded_by",
            "created_at",
            "download_url",
        ]

    def get_download_url(self, attachment) -> str:
        return self.context["request"].build_absolute_uri(
            f"/api/v1/cases/{attachment.case_id}/attachments/{attachment.pk}/"
        )


class EventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(allow_null=True)
    action_display = serializers.CharField(source="get_action_display")

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "action_display", "actor", "from_state", "to_state", "note", "data", "created_at"]


class ExtensionSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer()
    requested_by = PersonSerializer()
    decided_by = PersonSerializer(allow_null=True)
    state_display = serializers.CharField(source="get_state_display")

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "case",
            "state",
            "state_display",
            "requested_by",
            "reason",
            "current_due_at",
            "requested_due_at",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class PauseSerializer(serializers.ModelSerializer):
    """A pause of the case's clock as officials see it, its internal reason included."""

    case = CaseRefSerializer()
    state_display = serializers.CharField(source="get_state_display")
    paused_until = serializers.DateTimeField(source="due_at")
    requested_by = PersonSerializer()
    decided_by = PersonSerializer(allow_null=True)
    ended_by = PersonSerializer(allow_null=True)
    ended_how_display = serializers.CharField(source="get_ended_how_display")

    class Meta:
        model = ClockPause
        fields = [
            "id",
            "case",
            "state",
            "state_display",
            "needed",
            "reason",
            "expected_date",
            "paused_until",
            "planned_workdays",
            "needs_approval",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "paused_at",
            "workdays_left",
            "ended_at",
            "ended_by",
            "ended_how",
            "ended_how_display",
            "workdays_paused",
        ]


class PauseRequestSerializer(serializers.ModelSerializer):
    """What a paused case asks of the enterprise, and until when: the part of a pause everyone who sees the case
    reads."""

    paused_until = serializers.DateTimeField(source="due_at")

    class Meta:
        model = ClockPause
        fields = ["needed", "expected_date", "paused_at", "paused_until"]


class CaseDetailSerializer(CaseListSerializer):
    filed_by = PersonSerializer()
    follows_up = CaseRefSerializer(allow_null=True)
    parent = CaseRefSerializer(
        allow_null=True, help_text="The case a joint review meeting split this sub-case from; its sub-cases: ?parent=."
    )
    project = NamedSerializer(allow_null=True, help_text="The key project the problem blocks, if any.")
    merged_into = CaseRefSerializer(allow_null=True, help_text="Set on a duplicate (并单): the case that answers it.")
    resolution_type_display = serializers.CharField(source="get_resolution_type_display")
    satisfaction_display = serializers.CharField(source="get_satisfaction_display", allow_null=True)
    comments = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    extension_requests = serializers.SerializerMethodField()
    pause = serializers.SerializerMethodField(help_text="While the clock is paused: what is asked, until when.")
    pauses = serializers.SerializerMethodField(help_text="Every pause of the case's clock; officials only.")

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "filed_by",
            "follows_up",
            "parent",
            "project",
            "merged_into",
            "resolution_type",
            "resolution_type_display",
            "reply",
            "satisfaction",
            "satisfaction_display",
            "satisfaction_comment",
            "closure",
            "enterprise_reopen_count",
            "comments",
            "attachments",
            "events",
            "extension_requests",
            "pause",
            "pauses",
        ]

    def to_representation(self, case: Case) -> dict:
        """One case with DRF's own machinery: its cost is nothing beside the case's comments and timeline."""
        return serializers.ModelSerializer.to_representation(self, case)

    def sees_internal(self, case) -> bool:
        cache = self.context.setdefault("sees_internal", {})  # type: ignore[attr-defined]  # a dict, the stubs say Mapping
        if case.pk not in cache:
            cache[case.pk] = user_sees_internal(self.context["request"].user, case)
        return cache[case.pk]

    def get_comments(self, case) -> list[dict]:
        user = self.context["request"].user
        rows = comments_for_user(user, case, sees_internal=self.sees_internal(case))
        return CommentSerializer(rows, many=True, context=self.context).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    def get_attachments(self, case) -> list[dict]:
        user = self.context["request"].user
        rows = attachments_for_user(user, case, sees_internal=self.sees_internal(case))
        return AttachmentSerializer(rows, many=True, context=self.context).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    def get_extension_requests(self, case) -> list[dict]:
        """Asking for more time is internal business; the enterprise sees only the new deadline."""
        if not self.sees_internal(case):
            return []
        rows = case.extension_requests.select_related("case", "requested_by", "decided_by")
        return ExtensionSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    @extend_schema_field(PauseRequestSerializer(allow_null=True))
    def get_pause(self, case) -> dict | None:
        pause = running_pause(case)
        return None if pause is None else PauseRequestSerializer(pause).data

    @extend_schema_field(PauseSerializer(many=True))
    def get_pauses(self, case) -> list[dict]:
        """Why a clock stopped, who asked and who decided is internal; the enterprise reads ``pause``."""
        if not self.sees_internal(case):
            return []
        return PauseSerializer(case.pauses.select_related(*PAUSE_RELATED), many=True).data  # type: ignore[return-value]  # many=True data is a list

    def get_events(self, case) -> list[dict]:
        user = self.context["request"].user
        rows = events_for_user(user, case, sees_internal=self.sees_internal(case))
        return EventSerializer(rows, many=True, context=self.context).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict


@extend_schema_field(OpenApiTypes.INT)
class UserScopedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the rows the requesting user may use, so ids of others are 400."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


class CaseFileInput(serializers.Serializer):
    enterprise = UserScopedField(
        enterprises_user_files_for,
        required=False,
        help_text="Optional for a user who acts for exactly one enterprise.",
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    title = serializers.CharField(max_length=limits.TITLE)
    description = serializers.CharField(max_length=limits.DESCRIPTION)
    complexity = serializers.ChoiceField(choices=Complexity.choices, default=Complexity.ORDINARY)
    follows_up = UserScopedField(cases_visible_to, required=False, allow_null=True)
    project = serializers.PrimaryKeyRelatedField(
        queryset=KeyProject.objects.all(),
        required=False,
        allow_null=True,
        help_text="The enterprise's active key project the problem blocks (挂图作战); another's is refused (400).",
    )

    def validate(self, attrs):
        if "enterprise" not in attrs:
            roles = roles_for_user(self.context["request"].user)
            if len(roles.contact_enterprise_ids) != 1:
                raise serializers.ValidationError({"enterprise": [_("Choose the enterprise the problem is for.")]})
            attrs["enterprise"] = Enterprise.objects.get(pk=next(iter(roles.contact_enterprise_ids)))
        return attrs


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The case version the client saw; a newer case answers 409."
    )


class AssignInput(VersionedInput):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    response_due_at = serializers.DateTimeField(required=False, allow_null=True)
    resolution_due_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ReassignInput(VersionedInput):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ReasonInput(VersionedInput):
    reason = serializers.CharField(max_length=limits.REASON)


class ResolveInput(VersionedInput):
    resolution_type = serializers.ChoiceField(choices=ResolutionType.choices)
    reply = serializers.CharField(max_length=limits.REPLY)


class CloseInput(VersionedInput):
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices,
        required=False,
        allow_null=True,
        help_text="Required from the enterprise: 5 very satisfied … 1 very dissatisfied.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class MergeInput(VersionedInput):
    into = IdField(help_text="The id of the enterprise's other open case that answers this one.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class SimilarCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    state = serializers.CharField(source="case.state")
    state_display = serializers.CharField(source="case.get_state_display")
    category = NamedSerializer(source="case.category")
    enterprise = NamedSerializer(source="case.enterprise")
    filed_at = serializers.DateTimeField(source="case.filed_at")
    score = serializers.FloatField(help_text="How alike the titles are, 0 to 1 (trigram similarity on PostgreSQL).")
    same_category = serializers.BooleanField()
    same_township = serializers.BooleanField()
    same_enterprise = serializers.BooleanField(help_text="A duplicate to merge (并单) rather than a common problem.")


class UrgeInput(VersionedInput):
    level = serializers.ChoiceField(choices=UrgingLevel.choices, help_text="0 clears; 1 催办, 2 督办, 3 挂牌督办.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)
    answer_due_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Required when raising the level."
    )


class ExtensionInput(serializers.Serializer):
    requested_due_date = serializers.DateField(help_text="A working day after the current resolution deadline.")
    reason = serializers.CharField(max_length=limits.REASON)


class PauseInput(VersionedInput):
    needed = serializers.CharField(
        max_length=limits.REASON, help_text="What the enterprise must supply, or what the case waits for; it reads it."
    )
    reason = serializers.CharField(max_length=limits.REASON, help_text="Why the clock stops; officials only.")
    expected_date = serializers.DateField(
        help_text="A working day after today: the clock runs again after it at the latest."
    )


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class CommentInput(serializers.Serializer):
    body = serializers.CharField(max_length=limits.COMMENT)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)


@extend_schema_view(
    list=extend_schema(summary="Cases the user may see", description="Filters, ordering and pagination."),
    retrieve=extend_schema(summary="One case with its comments, attachments and timeline"),
    create=extend_schema(summary="File a problem", request=CaseFileInput, responses={201: CaseDetailSerializer}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = CaseFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, ReturnedFirstOrdering]
    ordering_fields = CASE_ORDERING_FIELDS

    def get_queryset(self):
        if self.action != "list":
            return cases_visible_to(self.request.user)
        if self.request.query_params.get("assignee") == str(self.request.user.pk):
            # One's own assignments (the queue): the gate narrowed to them, which plans as the index reads.
            return cases_held_by(self.request.user, as_head=False).only(*CASE_LIST_COLUMNS)
        return cases_visible_to(self.request.user).only(*CASE_LIST_COLUMNS)

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


@extend_schema_view(
    list=extend_schema(summary="Extension requests the user may see; filter state=pending for the queue"),
    retrieve=extend_schema(summary="One extension request"),
)
class ExtensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExtensionSerializer
    filterset_fields = ["state", "case"]
    ordering_fields = ["created_at", "requested_due_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        return extensions_visible_to(self.request.user).order_by("-created_at", "-id")

    def decide(self, request, *, approve: bool) -> Response:
        extension = self.get_object()
        serializer = DecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.extension_decide(
            extension=extension, acting_user=request.user, approve=approve, note=serializer.validated_data["note"]
        )
        return Response(ExtensionSerializer(self.get_queryset().get(pk=decided.pk)).data)

    @extend_schema(summary="Approve: the new deadline applies", request=DecisionInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(summary="Reject, with a note", request=DecisionInput, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, approve=False)


@extend_schema_view(
    list=extend_schema(summary="Pauses of cases the user sees as an official; state=requested for the approvals"),
    retrieve=extend_schema(summary="One pause of a case's clock"),
)
class PauseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PauseSerializer
    filterset_fields = ["state", "case"]
    ordering_fields = ["requested_at", "expected_date"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClockPause.objects.none()
        return pauses_visible_to(self.request.user).order_by("-requested_at", "-id")

    def decide(self, request, *, approve: bool) -> Response:
        pause = self.get_object()
        serializer = DecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.pause_decide(
            pause=pause, acting_user=request.user, approve=approve, note=serializer.validated_data["note"]
        )
        return Response(PauseSerializer(self.get_queryset().get(pk=decided.pk)).data)

    @extend_schema(
        summary="Approve a pause beyond the limits: the clock stops from now",
        request=DecisionInput,
        responses=PauseSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(
        summary="Reject a pause beyond the limits, with a note", request=DecisionInput, responses=PauseSerializer
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, approve=False)
