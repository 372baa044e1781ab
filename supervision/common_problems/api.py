"""Common problems (共性问题): list, detail, raise, and one POST per action; the supervisor's figures of a period.

Officials only (403 for an enterprise user, like every supervision API): an enterprise reads the common problem
that answers its case on the case itself, without the other enterprises. Rows come through
``common_problems_visible_to``; whatever the user may not see is a 404.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.models import Category, ResolutionType
from cases.selectors import cases_visible_officially_to
from core import limits
from core.api import IdField, signed_in_user
from core.errors import InvalidInput
from enterprises.api import PersonSerializer
from enterprises.models import Unit
from workflow import clock
from workflow.api import NamedSerializer

from ..api import OfficialsOnly
from ..rates.api import PeriodSerializer
from ..rates.periods import Period, period_of_month, period_parse
from . import services
from .models import CommonProblem
from .permissions import ensure_may_raise
from .selectors import (
    common_problem_as_changed,
    common_problem_for_user,
    common_problems_of_period,
    common_problems_visible_to,
    linked_cases_for_user,
    top_categories_and_townships,
)

GOVERNMENT_BUSINESS = gettext_lazy("Common problems are for government officials.")
ACTIONS = {"assign": "assign", "give_answer": "answer", "close": "close"}


class LinkedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    enterprise = NamedSerializer()


class CommonProblemSerializer(serializers.ModelSerializer):
    category = NamedSerializer()
    unit = NamedSerializer()
    state_display = serializers.CharField(source="get_state_display")
    raised_by = PersonSerializer()
    answered_by = PersonSerializer(allow_null=True)
    enterprise_count = serializers.IntegerField(help_text="How many enterprises' cases it answers.")
    is_overdue = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = CommonProblem
        fields = [
            "id",
            "title",
            "description",
            "category",
            "unit",
            "state",
            "state_display",
            "raised_by",
            "raised_at",
            "due_at",
            "provisional",
            "is_overdue",
            "resolution_type",
            "answer",
            "answered_by",
            "answered_at",
            "closed_at",
            "enterprise_count",
            "available_actions",
        ]

    def get_is_overdue(self, problem) -> bool:
        return problem.state == "open" and problem.due_at < self.context.setdefault("now", timezone.now())  # type: ignore[attr-defined]  # a dict, the stubs say Mapping

    def get_available_actions(self, problem) -> list[str]:
        user = self.context["request"].user
        return sorted(
            {ACTIONS[t.name] for t in problem.get_available_user_state_transitions(user) if t.name in ACTIONS}
        )


class CommonProblemDetailSerializer(CommonProblemSerializer):
    cases = serializers.SerializerMethodField()

    class Meta(CommonProblemSerializer.Meta):
        fields = [*CommonProblemSerializer.Meta.fields, "cases"]

    def get_cases(self, problem) -> list[dict]:
        rows = linked_cases_for_user(self.context["request"].user, problem)
        return LinkedCaseSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict


class CasesInput(serializers.Serializer):
    cases = serializers.ListField(
        child=IdField(), min_length=1, max_length=limits.LINKED_CASES, help_text="Ids of cases being worked on."
    )


class RaiseInput(CasesInput):
    title = serializers.CharField(max_length=limits.TITLE)
    description = serializers.CharField(max_length=limits.DESCRIPTION)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), help_text="The unit responsible for the policy."
    )


class UnitInput(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))


class UnlinkInput(serializers.Serializer):
    case = IdField()
    reason = serializers.CharField(max_length=limits.REASON)


class AnswerInput(serializers.Serializer):
    resolution_type = serializers.ChoiceField(choices=ResolutionType.choices)
    answer = serializers.CharField(max_length=limits.REPLY)


class CategoryCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="category_pk")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    cases = serializers.IntegerField()


class TownshipCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="township_pk", allow_null=True)
    name = serializers.CharField(allow_null=True)
    cases = serializers.IntegerField()


class PeriodSummarySerializer(serializers.Serializer):
    period = PeriodSerializer()
    common_problems = CommonProblemSerializer(many=True)
    categories = CategoryCountSerializer(many=True, help_text="The categories with most cases filed in the period.")
    townships = TownshipCountSerializer(many=True, help_text="The townships and streets with most cases filed.")
    counted_at = serializers.DateTimeField(
        help_text="When the categories and townships were counted: for those who see every case, up to "
        "HUIYIN_RATES_SNAPSHOT_MINUTES ago (the rankings' snapshot); for anyone else, now."
    )


class PeriodQuery(serializers.Serializer):
    period = serializers.CharField(
        required=False, max_length=limits.PERIOD, help_text='"2026-11", "2026-Q4" or "2026"; default this month.'
    )

    def period_value(self, now) -> Period:
        text = self.validated_data.get("period")
        return period_parse(text) if text else period_of_month(now)


def parse(input_class: type[serializers.Serializer], request) -> dict:
    serializer = input_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="Common problems the user may see, newest first"),
    retrieve=extend_schema(summary="One common problem with the linked cases the user sees"),
)
class CommonProblemViewSet(OfficialsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    officials_only_message = GOVERNMENT_BUSINESS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommonProblem.objects.none()
        return common_problems_visible_to(self.request.user).order_by("-raised_at", "-id")

    def get_serializer_class(self):
        return CommonProblemSerializer if self.action == "list" else CommonProblemDetailSerializer

    def get_object(self) -> CommonProblem:
        return common_problem_for_user(self.request.user, self.kwargs["pk"])

    def render(self, problem: CommonProblem, status_code=status.HTTP_200_OK) -> Response:
        """What the change left, read once more; the user was let act on it, so they read what they did."""
        fresh = common_problem_as_changed(problem)
        return Response(CommonProblemDetailSerializer(fresh, context=self.get_serializer_context()).data, status_code)

    def cases_of(self, ids: list[int]) -> list:
        """The cases named, each one the user sees as an official; an unknown one is a 400 naming the field."""
        cases = list(cases_visible_officially_to(self.request.user).filter(pk__in=ids))
        if len(cases) != len(set(ids)):
            message = _("One of the cases does not exist.")
            raise InvalidInput(message, code="case_unknown", fields={"cases": [message]})
        return cases

    @extend_schema(
        summary="Raise a common problem from several cases (dispatcher, supervisor)",
        description="Every case must be assigned (being worked on) and in no other common problem; the unit "
        "that owns the policy answers, within `HUIYIN_COMMON_PROBLEM_WORKDAYS` working days.",
        request=RaiseInput,
        responses={201: CommonProblemDetailSerializer},
    )
    def create(self, request):
        ensure_may_raise(request.user)  # who may, before what they sent is looked at
        data = parse(RaiseInput, request)
        ids = data.pop("cases")
        problem = services.common_problem_raise(acting_user=signed_in_user(request), cases=self.cases_of(ids), **data)
        return self.render(problem, status.HTTP_201_CREATED)

    @extend_schema(summary="Give it to another unit", request=UnitInput, responses=CommonProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        problem = self.get_object()
        data = parse(UnitInput, request)
        return self.render(services.common_problem_assign(problem=problem, acting_user=signed_in_user(request), **data))

    @extend_schema(summary="Link more cases", request=CasesInput, responses=CommonProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        problem = self.get_object()
        cases = self.cases_of(parse(CasesInput, request)["cases"])
        return self.render(
            services.common_problem_link(problem=problem, acting_user=signed_in_user(request), cases=cases)
        )

    @extend_schema(summary="Unlink a case with a reason", request=UnlinkInput, responses=CommonProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def unlink(self, request, pk=None):
        problem = self.get_object()
        data = parse(UnlinkInput, request)
        (case,) = self.cases_of([data["case"]])
        return self.render(
            services.common_problem_unlink(
                problem=problem, acting_user=signed_in_user(request), case=case, reason=data["reason"]
            )
        )

    @extend_schema(
        summary="Answer it: resolves every linked case being worked on (the responsible unit)",
        request=AnswerInput,
        responses=CommonProblemDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        problem = self.get_object()
        data = parse(AnswerInput, request)
        return self.render(services.common_problem_answer(problem=problem, acting_user=signed_in_user(request), **data))

    @extend_schema(
        summary="Cross it off (dispatcher, supervisor)", request=None, responses=CommonProblemDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        problem = self.get_object()
        return self.render(services.common_problem_close(problem=problem, acting_user=signed_in_user(request)))

    @extend_schema(
        summary="The common problems raised in a period, and the categories and townships with most cases",
        parameters=[PeriodQuery],
        responses=PeriodSummarySerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request):
        query = PeriodQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.period_value(clock.now())
        user = request.user
        top = top_categories_and_townships(user, period, now=clock.now())
        body = {
            "period": period,
            "common_problems": list(common_problems_of_period(user, period)),
            "categories": top.categories,
            "townships": top.townships,
            "counted_at": top.counted_at,
        }
        return Response(PeriodSummarySerializer(body, context=self.get_serializer_context()).data)
