"""The floors: for each list, one hand-written SQL query that returns the rows the page shows, in its order.

A floor is what the database alone needs for the page: the page's rows (the columns the response shows,
the same order, the same page) and the total for the paginator, in one statement. The page's ids are
chosen first in a small ``page`` query (``counted``: the total by a scalar subquery, the page by the index
that serves its order), the shown columns are joined to those rows only. The SQL runs on PostgreSQL and
SQLite alike; it names tables and columns directly, as a person writing it would.

This module imports nothing of Django: the bare WSGI app of the HTTP benchmark (``wsgi_floor``) serves
the queue's floor with psycopg alone.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime

CASE_COLUMNS = (
    ("id", "c.id"),
    ("number", "c.number"),
    ("title", "c.title"),
    ("state", "c.state"),
    ("complexity", "c.complexity"),
    ("filed_at", "c.filed_at"),
    ("assigned_at", "c.assigned_at"),
    ("accepted_at", "c.accepted_at"),
    ("resolved_at", "c.resolved_at"),
    ("closed_at", "c.closed_at"),
    ("response_due_at", "c.response_due_at"),
    ("first_reply_due_at", "c.first_reply_due_at"),
    ("resolution_due_at", "c.resolution_due_at"),
    ("confirmation_due_at", "c.confirmation_due_at"),
    ("deadlines_provisional", "c.deadlines_provisional"),
    ("sent_back_at", "c.sent_back_at"),
    ("urging_level", "c.urging_level"),
    ("urging_answer_due_at", "c.urging_answer_due_at"),
    ("version", "c.version"),
    ("category_id", "cat.id"),
    ("category", "cat.name_zh"),
    ("enterprise_id", "e.id"),
    ("enterprise", "e.name"),
    ("assignee_id", "a.id"),
    ("assignee_username", "a.username"),
    ("assignee_first_name", "a.first_name"),
    ("assignee_last_name", "a.last_name"),
    ("unit_id", "ru.id"),
    ("unit", "ru.name"),
)
CASE_JOINS = """
JOIN cases_case c ON c.id = page.id
JOIN cases_category cat ON cat.id = c.category_id
JOIN enterprises_enterprise e ON e.id = c.enterprise_id
LEFT JOIN auth_user a ON a.id = c.assignee_id
LEFT JOIN enterprises_unit ru ON ru.id = c.responsible_unit_id
"""


@dataclass(frozen=True)
class Query:
    """One statement with its parameters and the names of the columns it returns (``total`` last)."""

    sql: str
    params: tuple
    columns: tuple[str, ...]


def select_list(columns) -> str:
    return ", ".join(expression for _name, expression in columns)


def names(columns, *more: str) -> tuple[str, ...]:
    return (*(name for name, _expression in columns), *more, "total")


def placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def cases_in_scope(condition: str, scope: frozenset[int] | None) -> str:
    """``FROM … WHERE condition`` of the cases ``c`` of a supervisor's jurisdiction; without a scope no enterprise
    is joined."""
    joined = "" if scope is None else " JOIN enterprises_enterprise pe ON pe.id = c.enterprise_id"
    return f"FROM cases_case c{joined} WHERE {condition}" + in_scope(scope, "c.responsible_unit_id", "pe.township_id")


def in_scope(unit_ids: frozenset[int] | None, unit_column: str, township_column: str) -> str:
    """A supervisor's jurisdiction: by responsible unit or by the enterprise's township; nothing when it
    covers every unit. The ids are integers read from the database, written into the statement."""
    if unit_ids is None:
        return ""
    listed = ", ".join(str(int(unit_id)) for unit_id in sorted(unit_ids)) or "NULL"
    return f" AND ({unit_column} IN ({listed}) OR {township_column} IN ({listed}))"


def counted(select: str, source: str, order: str) -> str:
    """``SELECT select … FROM … WHERE … ORDER BY order LIMIT %s`` with ``total``, the number of all the rows of
    ``source`` (its FROM and WHERE; its parameters come twice, the count's first), counted by a scalar subquery
    the database runs once. Counted by ``count(*) OVER ()`` every match was read whole before the LIMIT could stop
    the scan: at a million cases the dispatch floor took 14 ms rather than 4, the inbox's 2 rather than 0.5."""
    return f"SELECT {select}, (SELECT count(*) {source}) AS total {source} ORDER BY {order} LIMIT %s"


def case_list(page_sql: str, order: str, params: tuple, *extra) -> Query:
    """Cases of a page chosen by ``page_sql`` (which selects ``id``, the order's columns and ``total``)."""
    extra_columns = tuple(extra)
    sql = (
        f"WITH page AS ({page_sql}) "
        f"SELECT {select_list(CASE_COLUMNS + extra_columns)}, page.total FROM page {CASE_JOINS} ORDER BY {order}"
    )
    return Query(sql, params, names(CASE_COLUMNS + extra_columns))


QUEUE_SOURCE = "FROM cases_case c WHERE c.assignee_id = %s AND c.state IN ('assigned', 'resolved')"


def queue_api(*, assignee_id: int, page_size: int) -> Query:
    """``GET cases/?assignee=me&state=assigned&state=resolved&ordering=resolution_due_at``."""
    return case_list(
        counted(
            "c.id, c.resolution_due_at",
            QUEUE_SOURCE,
            "c.resolution_due_at ASC NULLS LAST, c.id DESC",
        ),
        "page.resolution_due_at ASC NULLS LAST, page.id DESC",
        (assignee_id, assignee_id, page_size),
    )


def queue_page(*, assignee_id: int, now: datetime, page_size: int) -> Query:
    """``/queue/``: late cases first, then by resolution deadline."""
    # Late ones come first by the deadline alone (a resolved case has none), so the page reads the index in order.
    return case_list(
        counted(
            "c.id, (c.state IN ('opened', 'assigned') AND c.resolution_due_at < %s) AS late, c.resolution_due_at",
            QUEUE_SOURCE,
            "c.resolution_due_at ASC NULLS LAST, c.id ASC",
        ),
        "page.late DESC, page.resolution_due_at ASC NULLS LAST, page.id ASC",
        (now, assignee_id, assignee_id, page_size),
        ("late", "page.late"),
    )


def overdue(*, now: datetime, scope: frozenset[int] | None, page_size: int) -> Query:
    """The overdue review: open cases past the running clock of their holder, most overdue first, with the clock's
    due time, the breaches so far and the last event."""
    # The best index for the question (cases migrations 0011 and 0026) is on the holder's due time itself, so the floor
    # asks for that expression too; without a scope it needs no enterprise to join.
    holder_due = "CASE WHEN c.state = 'opened' THEN c.response_due_at ELSE c.resolution_due_at END"
    source = cases_in_scope(f"c.state IN ('opened', 'assigned') AND {holder_due} < %s", scope)
    page = counted(f"c.id, {holder_due} AS due_at", source, f"{holder_due}, c.id")
    columns = (
        ("id", "c.id"),
        ("number", "c.number"),
        ("title", "c.title"),
        ("state", "c.state"),
        ("enterprise_id", "e.id"),
        ("enterprise", "e.name"),
        ("category_id", "cat.id"),
        ("category", "cat.name_zh"),
        ("unit_id", "ru.id"),
        ("unit", "ru.name"),
        ("assignee_id", "a.id"),
        ("assignee_username", "a.username"),
        ("assignee_first_name", "a.first_name"),
        ("assignee_last_name", "a.last_name"),
        ("due_at", "page.due_at"),
        (
            "breached_clocks",
            "(SELECT count(*) FROM workflow_deadlinecycle d WHERE d.case_id = c.id "
            "AND (d.breached OR (d.ended_at IS NULL AND d.due_at < %s)))",
        ),
        ("last_action", "le.action"),
        ("last_event_at", "le.created_at"),
        ("last_event_note", "le.note"),
        ("last_actor_username", "la.username"),
        ("last_actor_first_name", "la.first_name"),
        ("last_actor_last_name", "la.last_name"),
        ("urging_level", "c.urging_level"),
        ("urging_answer_due_at", "c.urging_answer_due_at"),
    )
    sql = (
        f"WITH page AS ({page}) SELECT {select_list(columns)}, page.total FROM page {CASE_JOINS} "
        "LEFT JOIN cases_caseevent le ON le.id = (SELECT ev.id FROM cases_caseevent ev WHERE ev.case_id = c.id "
        "ORDER BY ev.created_at DESC, ev.id DESC LIMIT 1) "
        "LEFT JOIN auth_user la ON la.id = le.actor_id ORDER BY page.due_at, page.id"
    )
    return Query(sql, (now, now, page_size, now), names(columns))


# The case list's ``SEARCH_COUNT_LIMIT`` (workflow/api/cases.py): this module imports no Django, a test keeps
# the two equal.
SEARCH_COUNT_LIMIT = 1000


def search(*, condition: str, values: tuple, page_size: int) -> Query:
    """``GET cases/?search=``, in the list's default order (returned first, newest next), its matches counted
    up to the search's limit as the list counts them. ``condition`` takes ``values`` once."""
    return case_list(
        "SELECT c.id, c.sent_back_at, c.filed_at, "
        f"(SELECT CASE WHEN count(*) > {SEARCH_COUNT_LIMIT} THEN {SEARCH_COUNT_LIMIT} ELSE count(*) END "
        f"FROM (SELECT 1 FROM cases_case c WHERE {condition} "
        f"LIMIT {SEARCH_COUNT_LIMIT + 1}) AS counted) AS total FROM cases_case c "
        f"WHERE {condition} ORDER BY c.sent_back_at DESC NULLS LAST, c.filed_at DESC, c.id DESC LIMIT %s",
        "page.sent_back_at DESC NULLS LAST, page.filed_at DESC, page.id DESC",
        (*values, *values, page_size),
    )


def district_cases(
    *, order: tuple[tuple[str, str], ...], scope: frozenset[int] | None, page_size: int, state: str | None = None
) -> Query:
    """``GET cases/?ordering=…`` (and ``state=``) as one who reads the whole jurisdiction: its cases in the order
    asked for, every match counted. ``order``: columns of the case with their direction (``"DESC NULLS LAST"``)."""
    source = cases_in_scope("TRUE" if state is None else "c.state = %s", scope)
    columns = ", ".join(f"c.{column}" for column, _direction in order if column != "id")
    values = () if state is None else (state,)
    return case_list(
        counted(f"c.id, {columns}", source, ", ".join(f"c.{column} {direction}" for column, direction in order)),
        ", ".join(f"page.{column} {direction}" for column, direction in order),
        (*values, *values, page_size),
    )


def search_number(*, number: str, page_size: int) -> Query:
    # Numbers of one year have one length, so the number contains the searched one only when it is it.
    return search(condition="c.number = %s", values=(number,), page_size=page_size)


def search_title(*, words: str, page_size: int) -> Query:
    return search(condition="c.title LIKE %s", values=(f"%{words}%",), page_size=page_size)


def search_enterprise(*, name: str, page_size: int, postgresql: bool) -> Query:
    """A part of an enterprise's name: the cases of every enterprise whose name contains it (and any case whose
    number or title does), through the three trigram indexes. On PostgreSQL the enterprises are an array
    computed once: as an ``IN`` subquery inside the OR (SQLite's form) it scans the cases instead, 0.7 s at a
    million cases; three branches joined by UNION took 50 ms."""
    pattern = f"%{name}%"
    named = "SELECT e.id FROM enterprises_enterprise e WHERE upper(e.name) LIKE upper(%s)"
    by_enterprise = f"c.enterprise_id = ANY(ARRAY({named}))" if postgresql else f"c.enterprise_id IN ({named})"
    return search(
        condition=f"(upper(c.number) LIKE upper(%s) OR upper(c.title) LIKE upper(%s) OR {by_enterprise})",
        values=(pattern, pattern, pattern),
        page_size=page_size,
    )


def dispatch(*, page_size: int) -> Query:
    """``/dispatch/``: opened cases, returned ones first with why they came back, then by routing deadline; with
    the route filing would take (the enterprise's serving cadre)."""
    return case_list(
        counted(
            "c.id, c.sent_back_at, c.response_due_at, c.filed_at",
            "FROM cases_case c WHERE c.state = 'opened'",
            "c.sent_back_at DESC NULLS LAST, c.response_due_at ASC NULLS LAST, c.filed_at ASC, c.id ASC",
        ),
        "page.sent_back_at DESC NULLS LAST, page.response_due_at ASC NULLS LAST, page.filed_at ASC, page.id ASC",
        (page_size,),
        ("township", "(SELECT t.name FROM enterprises_unit t WHERE t.id = e.township_id)"),
        (
            "send_back_reason",
            "(SELECT ev.note FROM cases_caseevent ev WHERE ev.case_id = c.id AND ev.action = 'send-back' "
            "ORDER BY ev.created_at DESC, ev.id DESC LIMIT 1)",
        ),
        (
            "serving_cadre",
            "(SELECT s.cadre_id FROM enterprises_serviceassignment s WHERE s.enterprise_id = e.id "
            "AND s.ended_at IS NULL)",
        ),
    )


def my_cases(*, enterprise_ids: list[int], page_size: int) -> Query:
    """``/my/cases/``: what waits for the enterprise's confirmation first, soonest due; then newest."""
    return case_list(
        counted(
            "c.id, (c.state = 'resolved') AS waits, "
            "CASE WHEN c.state = 'resolved' THEN c.confirmation_due_at END AS confirm_by, c.filed_at",
            f"FROM cases_case c WHERE c.enterprise_id IN ({placeholders(enterprise_ids)})",
            "waits DESC, confirm_by ASC NULLS LAST, c.filed_at DESC, c.id DESC",
        ),
        "page.waits DESC, page.confirm_by ASC NULLS LAST, page.filed_at DESC, page.id DESC",
        (*enterprise_ids, *enterprise_ids, page_size),
    )


def served(*, user_id: int, now: datetime, page_size: int, postgresql: bool) -> Query:
    """``/served/``: the enterprises the user serves (包联) by name, each with its open and overdue cases, whether
    someone of it can log in (else whether an invitation runs), its last visit and its visit duties; and how many
    of all served have nobody who can log in (the page's warning)."""
    holder = "coalesce(nullif(trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')), ''), p.username)"
    duty = f"'level', d.level, 'holder', {holder}, 'unit', du.name, 'due_at', d.due_at"
    duties = (
        f"json_agg(json_build_object({duty}) ORDER BY d.due_at, d.id)"
        if postgresql
        else f"json_group_array(json_object({duty}))"
    )
    mine = (
        "SELECT s.enterprise_id FROM enterprises_serviceassignment s WHERE s.ended_at IS NULL "
        "AND (s.cadre_id = %s OR s.local_contact_id = %s OR s.leader_id = %s)"
    )
    # On PostgreSQL the served ids as an array computed first: as an IN subquery the planner scanned every
    # enterprise in parallel (25 ms to start the workers).
    served_ids = f"e.id = ANY(ARRAY({mine}))" if postgresql else f"e.id IN ({mine})"
    columns = (
        ("id", "e.id"),
        ("name", "e.name"),
        ("industry", "e.industry"),
        ("township", "t.name"),
        ("open", "coalesce(k.open, 0)"),
        ("overdue", "coalesce(k.overdue, 0)"),
        ("has_active_contact", "page.has_active_contact"),
        (
            "has_pending_invitation",
            "EXISTS (SELECT 1 FROM accounts_invitation i WHERE i.enterprise_id = e.id AND i.state = 'pending' "
            "AND i.expires_at > %s)",
        ),
        ("last_visit_at", "(SELECT max(v.visited_at) FROM supervision_visit v WHERE v.enterprise_id = e.id)"),
        (
            "duties",
            # SQLite's aggregate takes its rows in the subquery's order.
            f"(SELECT {duties} FROM (SELECT * FROM supervision_visitduty WHERE enterprise_id = e.id "
            "ORDER BY due_at, id) d LEFT JOIN auth_user p ON p.id = d.person_id "
            "LEFT JOIN enterprises_unit du ON du.id = d.unit_id)",
        ),
        ("without_contact", "page.without_contact"),
    )
    sql = (
        # A scalar subquery with LIMIT 1, where EXISTS let PostgreSQL hash every contact of the district.
        "WITH served AS (SELECT e.id, e.name, (SELECT 1 FROM enterprises_enterprisecontact ec "
        "JOIN auth_user u ON u.id = ec.user_id WHERE ec.enterprise_id = e.id AND u.is_active "
        "AND substr(u.password, 1, 1) <> '!' LIMIT 1) IS NOT NULL AS has_active_contact "
        f"FROM enterprises_enterprise e WHERE {served_ids}), "
        "page AS (SELECT id, name, has_active_contact, count(*) OVER () AS total, "
        "sum(CASE WHEN has_active_contact THEN 0 ELSE 1 END) OVER () AS without_contact "
        "FROM served ORDER BY name LIMIT %s) "
        f"SELECT {select_list(columns)}, page.total FROM page "
        "JOIN enterprises_enterprise e ON e.id = page.id JOIN enterprises_unit t ON t.id = e.township_id "
        "LEFT JOIN (SELECT c.enterprise_id, count(*) AS open, "
        "sum(CASE WHEN c.state IN ('opened', 'assigned') AND c.resolution_due_at < %s THEN 1 ELSE 0 END) AS overdue "
        "FROM cases_case c WHERE c.enterprise_id IN (SELECT id FROM page) "
        "AND c.state IN ('opened', 'assigned', 'resolved') GROUP BY c.enterprise_id) k ON k.enterprise_id = e.id "
        "ORDER BY page.name"
    )
    return Query(sql, (user_id, user_id, user_id, page_size, now, now), names(columns))


def inbox(*, user_id: int, now: datetime, page_size: int) -> Query:
    columns = (
        ("id", "n.id"),
        ("subject", "n.subject"),
        ("body", "n.body"),
        ("visible_from", "n.visible_from"),
        ("read_at", "n.read_at"),
    )
    sql = counted(
        select_list(columns),
        "FROM notifications_notification n WHERE n.recipient_id = %s AND n.visible_from <= %s",
        "n.visible_from DESC, n.id DESC",
    )
    return Query(sql, (user_id, now, user_id, now, page_size), names(columns))


def rectifications(*, scope: frozenset[int] | None, page_size: int) -> Query:
    """``/supervision/rectifications/``: soonest due first, with the case, who answers for it, and the report with
    who sent it and the supervisor's last note (until 2026-12-07 the floor left out who reported, the note and the
    times returned, which every answered row shows)."""
    columns = (
        ("id", "r.id"),
        ("state", "r.state"),
        ("satisfaction", "r.satisfaction"),
        ("rated_at", "r.rated_at"),
        ("due_at", "r.due_at"),
        ("report", "r.report"),
        ("submitted_at", "r.submitted_at"),
        ("decision_note", "r.decision_note"),
        ("return_count", "r.return_count"),
        ("case_id", "c.id"),
        ("number", "c.number"),
        ("title", "c.title"),
        ("enterprise", "e.name"),
        ("unit", "u.name"),
        ("assignee_username", "a.username"),
        ("assignee_first_name", "a.first_name"),
        ("assignee_last_name", "a.last_name"),
        ("submitted_by_username", "s.username"),
        ("submitted_by_first_name", "s.first_name"),
        ("submitted_by_last_name", "s.last_name"),
    )
    # Without a scope no case or enterprise is needed to choose them (every rectification has both).
    joined = (
        ""
        if scope is None
        else " JOIN cases_case pc ON pc.id = r.case_id JOIN enterprises_enterprise pe ON pe.id = pc.enterprise_id"
    )
    page = counted(
        "r.id, r.due_at",
        f"FROM supervision_rectification r{joined} WHERE 1 = 1"
        + in_scope(scope, "pc.responsible_unit_id", "pe.township_id"),
        "r.due_at, r.id",
    )
    sql = (
        f"WITH page AS ({page}) SELECT {select_list(columns)}, page.total FROM page "
        "JOIN supervision_rectification r ON r.id = page.id JOIN cases_case c ON c.id = r.case_id "
        "JOIN enterprises_enterprise e ON e.id = c.enterprise_id JOIN enterprises_unit u ON u.id = r.unit_id "
        "LEFT JOIN auth_user a ON a.id = r.assignee_id LEFT JOIN auth_user s ON s.id = r.submitted_by_id "
        "ORDER BY page.due_at, page.id"
    )
    return Query(sql, (page_size,), names(columns))


def meetings(
    *, jurisdiction_ids: frozenset[int], scope: frozenset[int] | None, page_size: int, postgresql: bool
) -> Query:
    """``/supervision/meetings/``: planned meetings first, soonest first, then held ones, latest first, each with its
    participating units and agenda counts; then the pool, the flagged cases on no open agenda (deferred ones first)
    with the number of them all. The two lists' rows come one after the other (``part``), each list's in its own
    order; a row leaves the other list's columns empty."""
    participating = (
        "string_agg(u.name, '、' ORDER BY u.kind, u.name) FROM supervision_meeting_participating_units p "
        "JOIN enterprises_unit u ON u.id = p.unit_id WHERE p.meeting_id = m.id"
        if postgresql
        # SQLite's aggregate takes its rows in the subquery's order.
        else "group_concat(name, '、') FROM (SELECT u.name FROM supervision_meeting_participating_units p "
        "JOIN enterprises_unit u ON u.id = p.unit_id WHERE p.meeting_id = m.id ORDER BY u.kind, u.name)"
    )
    meeting_columns = (
        ("title", "m.title"),
        ("held_on", "m.held_on"),
        ("meeting_state", "m.state"),
        ("location", "m.location"),
        ("jurisdiction", "j.name"),
        ("chair_username", "ch.username"),
        ("chair_first_name", "ch.first_name"),
        ("chair_last_name", "ch.last_name"),
        ("participating", f"(SELECT {participating})"),
        ("items", "(SELECT count(*) FROM supervision_agendaitem i WHERE i.meeting_id = m.id)"),
        (
            "open_items",
            "(SELECT count(*) FROM supervision_agendaitem i WHERE i.meeting_id = m.id AND i.outcome = 'open')",
        ),
    )
    flag_columns = (
        ("case_id", "c.id"),
        ("number", "c.number"),
        ("case_title", "c.title"),
        ("enterprise", "e.name"),
        ("unit", "ru.name"),
        ("assignee_username", "a.username"),
        ("assignee_first_name", "a.first_name"),
        ("assignee_last_name", "a.last_name"),
        ("kind", "f.kind"),
        ("reason", "f.reason"),
        ("flagged_by_username", "fb.username"),
        ("flagged_by_first_name", "fb.first_name"),
        ("flagged_by_last_name", "fb.last_name"),
        ("flagged_at", "f.flagged_at"),
        ("times_deferred", "f.times_deferred"),
    )
    listed = ", ".join(str(int(unit_id)) for unit_id in sorted(jurisdiction_ids)) or "NULL"
    meeting_order = (
        "CASE WHEN m.state = 'planned' THEN 0 ELSE 1 END, CASE WHEN m.state = 'planned' THEN m.held_on END, "
        "m.held_on DESC, m.id DESC"
    )
    meetings_page = counted(
        "m.id, m.state, m.held_on",
        f"FROM supervision_meeting m WHERE m.jurisdiction_id IN ({listed})",
        meeting_order,
    )
    joined = (
        ""
        if scope is None
        else " JOIN cases_case pc ON pc.id = f.case_id JOIN enterprises_enterprise pe ON pe.id = pc.enterprise_id"
    )
    # The open agenda items are few (those of the meetings still planned): a list apart, as the page reads them.
    pool_page = counted(
        "f.id, f.times_deferred, f.flagged_at",
        f"FROM supervision_meetingflag f{joined} WHERE f.state = 'pending' AND f.id NOT IN "
        "(SELECT i.flag_id FROM supervision_agendaitem i WHERE i.outcome = 'open')"
        + in_scope(scope, "pc.responsible_unit_id", "pe.township_id"),
        "f.times_deferred DESC, f.flagged_at, f.id",
    )
    empty_flag = ", ".join(f"NULL AS {name}" for name, _expression in flag_columns)
    empty_meeting = ", ".join(f"NULL AS {name}" for name, _expression in meeting_columns)
    sql = (
        f"WITH meetings_page AS ({meetings_page}), pool_page AS ({pool_page}) "
        "SELECT * FROM ("
        f"SELECT m.id, 1 AS part, row_number() OVER (ORDER BY {meeting_order}) AS position, "
        f"{select_list(meeting_columns)}, {empty_flag}, page.total FROM meetings_page page "
        "JOIN supervision_meeting m ON m.id = page.id JOIN enterprises_unit j ON j.id = m.jurisdiction_id "
        "JOIN auth_user ch ON ch.id = m.chair_id "
        "UNION ALL "
        "SELECT f.id, 2, row_number() OVER (ORDER BY f.times_deferred DESC, f.flagged_at, f.id), "
        f"{empty_meeting}, {select_list(flag_columns)}, page.total FROM pool_page page "
        "JOIN supervision_meetingflag f ON f.id = page.id JOIN cases_case c ON c.id = f.case_id "
        "JOIN enterprises_enterprise e ON e.id = c.enterprise_id LEFT JOIN enterprises_unit ru "
        "ON ru.id = c.responsible_unit_id LEFT JOIN auth_user a ON a.id = c.assignee_id "
        "JOIN auth_user fb ON fb.id = f.flagged_by_id"
        ") shown ORDER BY part, position"
    )
    return Query(sql, (page_size, page_size), ("id", "part", "position", *names(meeting_columns + flag_columns)))


def circulars(*, drafted_in: frozenset[int] | None, page_size: int) -> Query:
    """``/supervision/circulars/``: a supervisor's drafts (those of the units of ``drafted_in``; ``None`` for an
    official who prepares none, and sees no drafts list), then the published ones, each list newest first with
    the number of its rows. The two lists' rows come one after the other (``part``)."""
    columns = (
        ("title", "ci.title"),
        ("period", "ci.period_label"),
        ("year", "ci.year"),
        ("sequence", "ci.sequence"),
        ("published_at", "ci.published_at"),
        ("generated_at", "ci.generated_at"),
        ("jurisdiction", "j.name"),
    )
    order = "ci.published_at DESC NULLS FIRST, ci.created_at DESC, ci.id DESC"

    def shown(part: int, state: str, condition: str = "") -> str:
        page = counted(
            "ci.id, ci.published_at, ci.created_at",
            f"FROM supervision_circular ci WHERE ci.state = '{state}'{condition}",
            order,
        )
        return (
            f"SELECT ci.id, {part} AS part, row_number() OVER (ORDER BY {order}) AS position, "
            f"{select_list(columns)}, page.total FROM ({page}) page JOIN supervision_circular ci ON ci.id = page.id "
            "JOIN enterprises_unit j ON j.id = ci.jurisdiction_id"
        )

    published = shown(2, "published")
    columns_returned = ("id", "part", "position", *names(columns))
    if drafted_in is None:
        return Query(f"{published} ORDER BY position", (page_size,), columns_returned)
    listed = ", ".join(str(int(unit_id)) for unit_id in sorted(drafted_in)) or "NULL"
    drafts = shown(1, "draft", f" AND ci.jurisdiction_id IN ({listed})")
    sql = f"SELECT * FROM ({drafts} UNION ALL {published}) shown ORDER BY part, position"
    return Query(sql, (page_size, page_size), columns_returned)


def as_json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def payload(query: Query, rows: list[tuple]) -> bytes:
    """The floor's response body: the page's rows as objects and the total, as JSON."""
    results = [dict(zip(query.columns[:-1], row[:-1], strict=True)) for row in rows]
    body = {"count": rows[0][-1] if rows else 0, "results": results}
    return json.dumps(body, ensure_ascii=False, default=as_json).encode()
