"""What the case API writes: a case in a list and in full, its comments, attachments, events, extensions and pauses.

Apart from the views because the supervision APIs nest ``NamedSerializer`` and ``CaseRefSerializer`` too; the
columns a list page reads stand beside the list serializer that writes them out by hand.
"""

from datetime import datetime, tzinfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Attachment, Case, CaseEvent, CaseState, Comment, UrgingLevel
from cases.selectors import attachments_for_user, comments_for_user, events_for_user, user_sees_internal
from core.people import person_name
from enterprises.access import roles_for_user
from enterprises.api import PersonSerializer

from ..models import ClockPause, ExtensionRequest
from ..selectors import PAUSE_RELATED, available_actions, running_pause


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


def moment(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """A moment as every DateTimeField of the API writes it: ISO 8601 in the current time zone (Beijing time),
    ``Z`` for UTC. Written out because DRF's field reads the current zone for every value, most of its cost on a
    list of thirteen moments a row; a caller writing many passes ``zone``, the current one, read once."""
    if value is None:
        return None
    if value.utcoffset() is None:
        # A wall-clock time (the database gives aware ones): DRF's rule for placing it in the zone.
        return _DATETIME.to_representation(value)
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def person_dict(user) -> dict | None:
    """``PersonSerializer``'s answer, written out."""
    if user is None:
        return None
    username = user.get_username()
    name = person_name(first_name=user.first_name, last_name=user.last_name, username=username)
    return {"id": user.pk, "username": username, "name": name}


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
        zone = timezone.get_current_timezone()
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
            "filed_at": moment(case.filed_at, zone),
            "assigned_at": moment(case.assigned_at, zone),
            "accepted_at": moment(case.accepted_at, zone),
            "resolved_at": moment(case.resolved_at, zone),
            "closed_at": moment(case.closed_at, zone),
            "response_due_at": moment(case.response_due_at, zone),
            "first_reply_due_at": moment(case.first_reply_due_at, zone),
            "resolution_due_at": moment(case.resolution_due_at, zone),
            "confirmation_due_at": moment(case.confirmation_due_at, zone),
            "deadlines_provisional": case.deadlines_provisional,
            "paused_until": moment(case.paused_until, zone),
            "is_overdue": case.is_overdue(),
            "is_returned": official and case.state == CaseState.OPENED and case.sent_back_at is not None,
            "urging_level": case.urging_level if official else None,
            "urging_level_display": labels[case.urging_level] if official else None,
            "urging_answer_due_at": moment(case.urging_answer_due_at, zone) if official else None,
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


# What an extension request in a list shows of its case and people, and the case's state, which django-fsm reads
# as the row loads: read whole, each row would carry the case's texts and two password hashes.
EXTENSION_COLUMNS = (
    *("id", "reason", "current_due_at", "requested_due_at", "state", "decided_at", "decision_note", "created_at"),
    *("case__number", "case__state"),
    *("requested_by__username", "requested_by__first_name", "requested_by__last_name"),
    *("decided_by__username", "decided_by__first_name", "decided_by__last_name"),
)


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
