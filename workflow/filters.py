"""The case list's filters and order, below the API: the API's list, the pages and the ledger export share
them, so an export can never drift from the list a person saw."""

from dataclasses import dataclass
from types import SimpleNamespace

import django_filters
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, OrderBy, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field

from cases.models import Case, CaseState, UrgingLevel, in_states, resolution_overdue_q, whole_case_number_q
from cases.selectors import cases_visible_to
from core import limits
from core.errors import InvalidInput
from core.filters import DateTimeFilter, FilterSet, IdFilter, OrderingFilter
from core.pagination import Consecutive, Gathered
from enterprises.access import roles_for_user
from enterprises.models import Enterprise

# Above this many enterprises matching a search, they stay a subquery rather than a list of ids.
SEARCH_ENTERPRISES_INLINE = 500
# pg_trgm's indexes serve a pattern of at least this many characters.
TRIGRAM = 3
CASE_ORDERING_FIELDS = ["filed_at", "number", "response_due_at", "resolution_due_at", "updated_at", "state"]


@extend_schema_field({"type": "integer", "enum": UrgingLevel.values})
class UrgingLevelFilter(django_filters.TypedChoiceFilter):
    """A level of the urging ladder (0–3); anything else is a 400, not a number for the database."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=UrgingLevel.choices, coerce=int, method="filter_urging", **kwargs)


@extend_schema_field({"type": "string", "maxLength": limits.SEARCH})
class SearchTextFilter(django_filters.CharFilter):
    """What a search box holds: a longer text is a 400 naming the limit."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=limits.SEARCH, **kwargs)


class CaseFilter(FilterSet):
    # No DISTINCT: the filter joins nothing, so it cannot repeat a row (django-filter adds one by default).
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, distinct=False, method="filter_state")
    category = IdFilter(field_name="category_id")
    enterprise = IdFilter(field_name="enterprise_id")
    assignee = IdFilter(field_name="assignee_id")
    unit = IdFilter(field_name="responsible_unit_id")
    parent = IdFilter(field_name="parent_id", label="sub-cases of this case")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")
    returned = django_filters.BooleanFilter(method="filter_returned", label="returned")
    paused = django_filters.BooleanFilter(
        field_name="paused_until", lookup_expr="isnull", exclude=True, label="resolution clock paused (挂起)"
    )
    filed_after = DateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_before = DateTimeFilter(field_name="filed_at", lookup_expr="lt")
    resolved_after = DateTimeFilter(field_name="resolved_at", lookup_expr="gte")
    resolved_before = DateTimeFilter(field_name="resolved_at", lookup_expr="lt", method="filter_settled_before")
    closed_after = DateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = DateTimeFilter(field_name="closed_at", lookup_expr="lt", method="filter_settled_before")
    due_before = DateTimeFilter(field_name="resolution_due_at", lookup_expr="lt")
    search = SearchTextFilter(method="filter_search", label="number, title or enterprise name contains")
    urging_level = UrgingLevelFilter(label="urging level (3: the leader's board of 挂牌督办 cases)")
    urging_level_min = UrgingLevelFilter(label="urging level at least")

    class Meta:
        model = Case
        fields = ["state", "category", "enterprise", "assignee", "unit", "complexity"]

    def filter_state(self, queryset, name, values):
        """The states as constants of the statement (``in_states``): a person's own assignments are read by a
        prepared statement, whose generic plan reads the index of the states it names only if it can see them."""
        return queryset.filter(in_states(values))

    def filter_overdue(self, queryset, name, value):
        overdue = resolution_overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_settled_before(self, queryset, name, value):
        """Resolved or closed before ``value``, and so filed before it (constraints of the case table). With the
        bound on filing written out, PostgreSQL starts the newest-first list at ``value``, where it passed every case
        filed since to reach January's closed cases (913,000 of a million: 0.17 s, now 15 ms)."""
        return queryset.filter(**{f"{name}__lt": value, "filed_at__lt": value})

    def filter_returned(self, queryset, name, value):
        if not roles_for_user(self.request.user).is_official:  # type: ignore[union-attr]  # the list and the export give a request
            # A send-back is internal: to those outside government no case ever came back.
            return queryset.none() if value else queryset
        returned = Q(state=CaseState.OPENED, sent_back_at__isnull=False)
        return queryset.filter(returned) if value else queryset.exclude(returned)

    def filter_urging(self, queryset, name, value):
        lookup = "urging_level" if name == "urging_level" else "urging_level__gte"
        if not roles_for_user(self.request.user).is_official:  # type: ignore[union-attr]  # as above
            # To those who may not see the ladder, every case is at level 0: the filter reveals nothing.
            matches = value == 0 if name == "urging_level" else value <= 0
            return queryset if matches else queryset.none()
        return queryset.filter(**{lookup: value})

    def filter_search(self, queryset, name, value):
        """Number, title or enterprise name. The matching enterprises are read first (their names have a
        trigram index of their own), so that the condition on cases is an OR of three indexable tests: on
        PostgreSQL the planner then combines the trigram indexes (cases migration 0009) for a rare term and
        scans for a common one, where a subquery in the OR would force the scan every time."""
        value = value.strip()
        if not value:
            return queryset
        lookup = _contains_lookup(value)
        named = Enterprise.objects.filter(**{f"name__{lookup}": value}).order_by()
        ids = list(named.values_list("pk", flat=True)[: SEARCH_ENTERPRISES_INLINE + 1])
        by_enterprise = named.values("pk") if len(ids) > SEARCH_ENTERPRISES_INLINE else ids
        return queryset.filter(
            number_contains_q(value) | Q(**{f"title__{lookup}": value}) | Q(enterprise_id__in=by_enterprise)
        )


def number_contains_q(value: str) -> Q:
    """The cases whose number contains ``value``: a whole number read as one (``whole_case_number_q``), else as text."""
    return whole_case_number_q(value) or Q(**{f"number__{_contains_lookup(value)}": value})


def _contains_lookup(value: str) -> str:
    """``icontains`` (served by the trigram indexes over UPPER()), except for a term too short for trigrams whose
    characters have no case, as Chinese words of one or two characters: that term is read from every row
    anyway, and comparing it without UPPER() finds the same rows in a third of the time."""
    return "contains" if len(value) < TRIGRAM and value.upper() == value.lower() else "icontains"


# Columns that change with internal business (a send-back, a reassignment, an urging): ordering by them
# would tell an enterprise what it may not see. Its cases' deadlines, number, state and filing are its own.
INTERNAL_ORDERING_FIELDS = frozenset({"updated_at"})


class ReturnedFirstOrdering(OrderingFilter):
    """Without an explicit order, returned cases come first for officials (the dispatcher's work), newest next.

    Those outside government order only by what they may see: their default is newest first, as if
    nothing was ever sent back, and an order by an internal column is ignored like an unknown one.
    """

    def get_default_ordering(self, view):
        return None

    def get_valid_fields(self, queryset, view, context=None):
        fields = super().get_valid_fields(queryset, view, context or {})
        request = (context or {}).get("request")
        if request is not None and not roles_for_user(request.user).is_official:
            fields = [field for field in fields if field[0] not in INTERNAL_ORDERING_FIELDS]
        return fields

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if ordering:
            return queryset.order_by(*(case_order(field) for field in ordering), "-id")
        if not roles_for_user(request.user).is_official or not may_list_returned(request.query_params):
            return queryset.order_by("-filed_at", "-id")
        return queryset.order_by(F("sent_back_at").desc(nulls_last=True), "-filed_at", "-id")


def may_list_returned(params: QueryDict) -> bool:
    """Whether the list ``params`` ask for can hold a returned case: not one of cases closed in a period, as only
    closed cases have a closing moment and only opened ones are returned (constraints of the case table). That list
    is simply newest first, so that the bound on filing its ``closed_before`` carries starts PostgreSQL's reading of
    the filing times' index at its end; ordered returned first, it read the index of that order from the newest case
    on."""
    return not (params.get("closed_after") or params.get("closed_before"))


def case_order(field: str) -> OrderBy:
    """An ordering field (``-`` for descending) as the database sorts it: cases without a deadline last on every
    database (SQLite and PostgreSQL disagree otherwise). Only a column that can be null says where nulls go:
    ``NULLS LAST`` on a descending column asks PostgreSQL for an order no index of it gives (read backwards, an
    index puts nulls first): it sorted a million cases (0.6 s) for the newest twenty, which the index holds in
    order."""
    name = field.removeprefix("-")
    nulls_last = True if Case._meta.get_field(name).null else None
    return F(name).desc(nulls_last=nulls_last) if field.startswith("-") else F(name).asc(nulls_last=nulls_last)


# Filters under which the list is still read in pieces: each of their values holds a large share of the cases (one
# of a few states, categories or complexities), or the deadline indexes carry the column (the unit), so a piece meets
# its rows soon.
BROAD_FILTERS = frozenset({"state", "category", "complexity", "unit"})


def apart_by_leading_value(cases: QuerySet[Case], params: QueryDict) -> QuerySet[Case] | Consecutive:
    """``cases``, the list as ``params`` ask for it, in ``Consecutive`` pieces by the value of the order's leading
    column when it is a deadline (the dated cases, then the undated ones, last either way) or the state (each
    state asked for in turn), each piece read in the rest of the order; otherwise ``cases`` as they are.

    Only open cases have a deadline: no index of a deadline holds the rest, which the order puts last, and no index
    holds the states' order, so a district's list by either read and sorted a million cases for a page (0.7–0.9 s).
    Apart, the dated ones are read from an index that holds only them (cases 0027), the undated ones and each
    state's newest first from the table's own, and only as far as the page reaches. Only a list narrowed by
    nothing but ``BROAD_FILTERS``: under another filter a piece may hold few of its rows, far apart in its index (an
    enterprise's dated cases among 300,000), and the list is read whole, as the database plans it.
    """
    if any(params.get(name) for name in CaseFilter.base_filters if name not in BROAD_FILTERS):
        return cases
    leading = _leading_column(cases)
    if leading is None or leading[0] not in CASE_ORDERING_FIELDS:
        return cases
    (name, descending), rest = leading, cases.query.order_by[1:]
    field = Case._meta.get_field(name)
    if field.null:
        return Consecutive(
            cases.filter(**{f"{name}__isnull": False}), cases.filter(**{f"{name}__isnull": True}).order_by(*rest)
        )
    if field.choices:
        # Only the states asked for: a piece of another would find none, after reading the whole table for them.
        # In the order the database sorts them: lower-case ASCII codes sort alike in every collation.
        asked = set(params.getlist("state")) or {value for value, _label in field.choices}
        values = sorted(asked, reverse=descending)
        if len(values) > 1:
            return Consecutive(*(cases.filter(**{name: value}).order_by(*rest) for value in values))
    return cases


def read_as_they_lie(
    parts: list[tuple[QuerySet[Case], bool]], params: QueryDict
) -> list[QuerySet[Case] | Consecutive | Gathered]:
    """How each part of the list (with whether it holds only a person's few cases) is read: the late cases
    ``Gathered`` (``lists_late_cases``), unless by a deadline, whose indexes hold them together; a part of many cases
    in pieces (``apart_by_leading_value``); a person's few cases as the database plans them, but their closed ones
    gathered when the order is descending (``lists_closed_cases``). The parts are ordered alike, so the choice is
    made once."""
    leading = _leading_column(parts[0][0])
    if lists_late_cases(params) and (leading is None or leading[0] not in DEADLINES):
        return [Gathered(part) for part, _few in parts]
    # A person's closed cases are old: newest first (or latest anything), they lie past every newer case of others.
    closed_far_down = lists_closed_cases(params) and leading is not None and leading[1]
    return [
        (Gathered(part) if closed_far_down else part) if few else apart_by_leading_value(part, params)
        for part, few in parts
    ]


DEADLINES = frozenset({"response_due_at", "resolution_due_at"})
# The levels of cases urged at least once.
URGED = frozenset(str(level) for level in UrgingLevel.values if level > 0)


def lists_late_cases(params: QueryDict) -> bool:
    """Whether ``params`` narrow the list to late cases: overdue, or urged (the ladder climbs only for those). They
    are few (at a million cases, 20,000 overdue and 14,000 urged) and the oldest open ones, far down any order but
    their deadline's: read in the list's order, the district's twenty newest took 0.1 s, gathered 30 ms."""
    asked = {name: _as_its_filter_reads(name, params) for name in ("overdue", "urging_level", "urging_level_min")}
    return asked["overdue"] is True or bool(URGED & {asked["urging_level"], asked["urging_level_min"]})


def lists_closed_cases(params: QueryDict) -> bool:
    """Whether ``params`` narrow the list to closed cases. A person's are few (a cadre's 2,631 of a million) and old:
    a case is closed long after it is filed, so the newest twenty of a cadre's lay past 400,000 newer cases of others,
    and the planner, which expects them spread evenly, walked to them (0.1 s; gathered, 26 ms)."""
    states = _as_its_filter_reads("state", params)
    return bool(states) and set(states) <= {CaseState.CLOSED}


def _as_its_filter_reads(name: str, params: QueryDict):
    """The value of ``name`` in ``params`` as the list's filter reads it (``true`` and ``True`` alike)."""
    return CaseFilter.base_filters[name].field.widget.value_from_datadict(params, {}, name)


def _leading_column(cases: QuerySet[Case]) -> tuple[str, bool] | None:
    """The column ``cases`` are ordered by first and whether descending, when the order leads with a column's
    ``OrderBy``, as ``case_order`` writes every ordering field (a default's ``"-filed_at"`` is not one)."""
    leading = cases.query.order_by[0] if cases.query.order_by else None
    if isinstance(leading, OrderBy) and isinstance(leading.expression, F):
        return leading.expression.name, leading.descending  # type: ignore[attr-defined]  # an F's column; the stubs leave it out
    return None


# What the ordering needs of a view, for running it outside one (the ledger).
CASE_LIST = SimpleNamespace(ordering_fields=CASE_ORDERING_FIELDS)


@dataclass(frozen=True)
class CaseListQuery:
    """What the case list's filter and ordering read from a request, for running them outside one."""

    user: User | AnonymousUser
    query_params: QueryDict


CASE_LIST_PARAMETERS = frozenset(CaseFilter.base_filters) | {ReturnedFirstOrdering.ordering_param}


def case_list_filtered(user: User | AnonymousUser, params: QueryDict) -> QuerySet[Case]:
    """The cases ``GET cases/`` lists for ``user`` with these query parameters, in its order, unpaginated.

    The same FilterSet and ordering as the list, so an export (the ledger) can never drift from what
    the user saw. Invalid values raise InvalidInput naming the fields, as the list answers 400.
    """
    query = CaseListQuery(user=user, query_params=params)
    filterset = CaseFilter(params, queryset=cases_visible_to(user), request=query)  # type: ignore[arg-type]  # what the filters read of one
    if not filterset.is_valid():
        fields = {name: [str(error) for error in errors] for name, errors in filterset.errors.items()}
        raise InvalidInput(_("Some filters are not valid."), code="invalid_filter", fields=fields)
    return ReturnedFirstOrdering().filter_queryset(query, filterset.qs, CASE_LIST)
