"""The demo's year of cases written in bulk: the rows the services would write, without their cost per call.

A case's history is a list of service calls at their moments (``Call``). Made through ``workflow.services``
(``call_service``), the year's three thousand cases take more than a minute, nearly all of it the ORM's work
per query. ``RowWriter`` computes the rows the same calls write — with the same transitions (the state machine's
methods of ``Case``), the same clocks (``CaseClocks``, whose two writes it keeps in memory), the same events and
the same notification templates — and inserts them a few thousand at a time. A call it has no twin for (a rating
of 2 or 1, which supervision answers with a rectification; more time) is made through the service itself once
the rows so far are in the database, and so is the rest of that case's history.

``calls.py`` holds the calls and makes them through the services; ``buffer.py`` the clocks the writer keeps in
memory and the bulk insert. ``workflow/tests/test_demo_rows.py`` holds the writer to exactly the rows the services
write, id for id.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseState,
    Closure,
    Comment,
    Complexity,
    EventAction,
    Satisfaction,
    UrgingLevel,
    Visibility,
    format_case_number,
)
from cases.permissions import is_filing_enterprise, supervises
from core import limits
from core.people import user_name
from enterprises.models import Enterprise, Role
from notifications.models import Notification, NotificationPreference
from notifications.selectors import preferences_for_users
from notifications.services import Message, message_render
from workflow.deadlines import CaseClocks, PolicyBook, fixed_due
from workflow.models import ClockKind, ClockOutcome, DeadlineCycle
from workflow.routing import Route, current_services
from workflow.selectors import work_calendar
from workflow.services import (
    case_accept,
    case_assign,
    case_close,
    case_file,
    case_reassign,
    case_reopen,
    case_resolve,
    case_send_back,
    case_withdraw,
    comment_add,
)
from workflow.services.automatic import automatic_urging

from .buffer import BufferedClocks, rows_insert, sequences_reset
from .calls import Call, call_service, sweep_closes_unanswered, sweep_urges_overdue
from .casework import BAD_RATINGS

# The tables the writer fills, in the order it inserts them.
WRITTEN = (Case, Comment, DeadlineCycle, CaseEvent, Notification)


@dataclass
class CaseRows:
    """The case being written and its running clocks."""

    case: Case
    running: dict[str, DeadlineCycle] = field(default_factory=dict)


class Unsupported(Exception):
    """A call the writer has no twin for: it is made through the service."""


class RowWriter:
    """Writes histories as rows; ``flush`` inserts what is waiting. Call inside the seed's transaction.

    The rows carry ids the writer chose (after the largest in each table), and case numbers it counted on
    from the sequence, so ``flush`` before anything else writes cases: the demo's desk stories, which go
    through the services.
    """

    def __init__(self) -> None:
        if User.objects.exclude(email="").exists() or NotificationPreference.objects.exists():
            # With an address or a webhook, a notification also gets its deliveries: the demo gives addresses
            # only once its history is written, so that the past sends no e-mail.
            raise ImproperlyConfigured("The demo's row writer writes no deliveries: seed before people get addresses.")
        self.calendar = work_calendar()
        self.policies = PolicyBook()
        self.services = current_services(Enterprise.objects.values_list("pk", flat=True))
        self.dispatchers = list(User.objects.filter(unit_memberships__role=Role.DISPATCHER, is_active=True).distinct())
        self.languages: dict[int, str] = {}
        self.contacts: dict[int, list[User]] = {}
        self.pending: dict[type[models.Model], list[models.Model]] = {model: [] for model in WRITTEN}
        self.next_ids: dict[type[models.Model], int] = {}
        self.numbers: dict[int, int] | None = None
        self.numbered_years: set[int] = set()
        self.twins: dict[Callable[..., object], Callable[..., None]] = {
            case_assign: self.assign,
            case_accept: self.accept,
            comment_add: self.comment,
            case_send_back: self.send_back,
            case_reassign: self.reassign,
            case_resolve: self.resolve,
            case_reopen: self.reopen,
            case_close: self.close,
            sweep_closes_unanswered: self.close_unanswered,
            sweep_urges_overdue: self.urge_overdue,
            case_withdraw: self.withdraw,
        }

    # --- a history ---------------------------------------------------------------------------------------------

    def write(self, calls: Sequence[Call]) -> None:
        """One case's history: as rows while the writer has a twin for each call, then through the services."""
        first, *rest = calls
        if first.service is not case_file:
            raise ValueError("A case's history begins with its filing.")
        rows = self.file(first.at, **first.arguments)
        for position, call in enumerate(rest):
            twin = self.twins.get(call.service)
            try:
                if twin is None:
                    raise Unsupported(call.service.__name__)
                twin(rows, call.at, **call.arguments)
            except Unsupported:
                self.flush()
                case = Case.objects.select_related("enterprise", "category").get(pk=rows.case.pk)
                for remaining in rest[position:]:
                    case = call_service(remaining, case)
                return

    def flush(self) -> None:
        """Insert every waiting row and the case numbers counted; ids and numbers are read again next time."""
        for model, objects in self.pending.items():
            if objects:
                rows_insert(model, objects)
                objects.clear()
        for year in self.numbered_years:
            CaseNumberSequence.objects.update_or_create(year=year, defaults={"last_value": self.numbers[year]})
        sequences_reset(model for model in WRITTEN if model in self.next_ids)
        self.next_ids.clear()
        self.numbers = None
        self.numbered_years.clear()

    # --- ids, numbers, people ----------------------------------------------------------------------------------

    def add(self, row: models.Model) -> None:
        model = type(row)
        if model not in self.next_ids:
            self.next_ids[model] = (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        row.pk = self.next_ids[model]
        self.next_ids[model] += 1
        self.pending[model].append(row)

    def case_number(self, year: int) -> str:
        if self.numbers is None:
            self.numbers = dict(CaseNumberSequence.objects.values_list("year", "last_value"))
        self.numbers[year] = self.numbers.get(year, 0) + 1
        self.numbered_years.add(year)
        return format_case_number(year, self.numbers[year])

    def language(self, user: User) -> str:
        if user.pk not in self.languages:
            self.languages[user.pk] = preferences_for_users([user])[user.pk].language
        return self.languages[user.pk]

    def enterprise_contacts(self, case: Case) -> list[User]:
        """``_enterprise_contacts`` of the services, read once per enterprise."""
        if case.enterprise_id not in self.contacts:
            self.contacts[case.enterprise_id] = list(
                User.objects.filter(enterprise_contacts__enterprise_id=case.enterprise_id, is_active=True)
            )
        return self.contacts[case.enterprise_id]

    # --- what every service does -------------------------------------------------------------------------------

    def clocks(self, rows: CaseRows, at: datetime) -> BufferedClocks:
        policy = self.policies.for_case(rows.case)
        return BufferedClocks(
            rows.case, calendar=self.calendar, at=at, running=rows.running, policy=policy, writer=self
        )

    def event(
        self,
        case: Case,
        at: datetime,
        *,
        actor: User | None,
        action: str,
        from_state: str = "",
        note: str = "",
        data: dict | None = None,
        is_internal: bool = False,
    ) -> None:
        """``case_event_record``."""
        self.add(
            CaseEvent(
                case=case,
                actor=actor,
                action=action,
                from_state=from_state,
                to_state=case.state,
                note=note,
                data=data or {},
                is_internal=is_internal,
                created_at=at,
            )
        )

    def transition(
        self,
        rows: CaseRows,
        at: datetime,
        *,
        actor: User | None,
        action: str,
        method: str,
        note: str = "",
        data: dict | None = None,
        is_internal: bool = False,
        clock_change: Callable[[CaseClocks], None],
        **arguments: object,
    ) -> None:
        """``_run_transition``: the state machine's method, the version, the clocks, the event.

        No request for more time is ever pending here (the services make those), so none lapses.
        """
        case = rows.case
        from_state = case.state
        getattr(case, method)(at=at, **arguments)
        case.version += 1
        case.updated_at = at
        clocks = self.clocks(rows, at)
        clock_change(clocks)
        clocks.mirror()
        self.event(
            case, at, actor=actor, action=action, from_state=from_state, note=note, data=data, is_internal=is_internal
        )

    def notify(
        self, case: Case, at: datetime, kind: str, recipients: Iterable[User | None], occurrence: str, **context
    ) -> None:
        """``_case_notify`` and ``notifications_create``: one row per distinct active recipient."""
        message = Message(
            kind=kind,
            key=f"case:{case.pk}:{kind}:{occurrence}",
            about=f"case:{case.pk}",
            link=reverse("api:case-detail", kwargs={"pk": case.pk}),
            context={"case": case, **context},
        )
        wanted: dict[str, User] = {}
        for user in recipients:
            if user is not None and user.is_active:
                wanted.setdefault(f"{message.key}:{user.pk}", user)
        rendered: dict[str, tuple[str, str]] = {}
        for key, user in wanted.items():
            language = self.language(user)
            if language not in rendered:
                rendered[language] = message_render(message=message, language=language)
            subject, body = rendered[language]
            self.add(
                Notification(
                    recipient_id=user.pk,
                    kind=kind,
                    key=key,
                    about=message.about,
                    link=message.link,
                    subject=subject,
                    body=body,
                    created_at=at,
                    visible_from=at,
                )
            )

    # --- the twins of the services -----------------------------------------------------------------------------

    def file(
        self,
        at: datetime,
        *,
        acting_user: User,
        enterprise: Enterprise,
        category,
        title: str,
        description: str,
        complexity: str = Complexity.ORDINARY,
    ) -> CaseRows:
        """``case_file``, without a follow-up."""
        case = Case(
            number=self.case_number(timezone.localdate(at).year),
            enterprise=enterprise,
            filed_by=acting_user,
            category=category,
            title=limits.checked_text(title, field="title", limit=limits.TITLE),
            description=limits.checked_text(description, field="description", limit=limits.DESCRIPTION),
            complexity=complexity,
            filed_at=at,
            updated_at=at,
        )
        self.add(case)
        rows = CaseRows(case)
        self.event(case, at, actor=acting_user, action=EventAction.FILE)
        clocks = self.clocks(rows, at)
        clocks.on_filed()
        clocks.mirror()
        route = Route(enterprise=enterprise, category=category, service=self.services.get(enterprise.pk))
        if route.automatic:
            cadre, unit = route.cadre, route.cadre_unit
            self.transition(
                rows,
                at,
                actor=None,
                action=EventAction.ASSIGN,
                method="assign",
                data={"automatic": True, "assignee": cadre.get_username(), "unit": unit.name},
                clock_change=lambda clocks: clocks.on_assigned(action="assign", assignee=cadre, unit=unit),
                assignee=cadre,
                unit=unit,
            )
            self.notify(case, at, "case_assigned", [cadre], f"v{case.version}")
        return rows

    def assign(
        self,
        rows: CaseRows,
        at: datetime,
        *,
        acting_user: User,
        assignee: User,
        unit,
        response_due_at: datetime | None = None,
        resolution_due_at: datetime | None = None,
        note: str = "",
    ) -> None:
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.ASSIGN,
            method="assign",
            note=limits.checked_text(note, field="note", limit=limits.NOTE),
            data={"assignee": assignee.get_username(), "unit": unit.name},
            clock_change=lambda clocks: clocks.on_assigned(
                action="assign",
                assignee=assignee,
                unit=unit,
                response_due=fixed_due(clocks.calendar, response_due_at),
                resolution_due=fixed_due(clocks.calendar, resolution_due_at),
            ),
            assignee=assignee,
            unit=unit,
        )
        self.notify(rows.case, at, "case_assigned", [assignee], f"v{rows.case.version}")

    def accept(self, rows: CaseRows, at: datetime, *, acting_user: User) -> None:
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.ACCEPT,
            method="accept",
            clock_change=lambda clocks: clocks.on_accepted(),
        )

    def comment(
        self, rows: CaseRows, at: datetime, *, acting_user: User, body: str, visibility: str = Visibility.PUBLIC
    ) -> None:
        case = rows.case
        body = limits.checked_text(body, field="body", limit=limits.COMMENT)
        comment = Comment(case=case, author=acting_user, visibility=visibility, body=body, created_at=at)
        self.add(comment)
        internal = visibility == Visibility.INTERNAL
        self.event(
            case, at, actor=acting_user, action=EventAction.COMMENT, data={"comment": comment.pk}, is_internal=internal
        )
        if internal:
            return
        from_enterprise = is_filing_enterprise(case, acting_user)
        if not from_enterprise:
            clocks = self.clocks(rows, at)
            clocks.on_public_reply()
            clocks.mirror()
        recipients = [case.assignee] if from_enterprise else self.enterprise_contacts(case)
        author = user_name(acting_user)
        self.notify(case, at, "case_replied", recipients, f"comment{comment.pk}", author=author, body=body)

    def send_back(self, rows: CaseRows, at: datetime, *, acting_user: User, reason: str) -> None:
        case = rows.case
        reason = limits.checked_text(reason, field="reason", limit=limits.REASON)
        unit = case.responsible_unit
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.SEND_BACK,
            method="send_back",
            note=reason,
            data={"unit": unit.name if unit else ""},
            is_internal=True,
            clock_change=lambda clocks: clocks.on_sent_back(),
        )
        self.notify(case, at, "case_sent_back", self.dispatchers, f"v{case.version}", reason=reason)

    def reassign(
        self, rows: CaseRows, at: datetime, *, acting_user: User, assignee: User, unit=None, note: str = ""
    ) -> None:
        case = rows.case
        unit = unit or case.responsible_unit
        previous = case.assignee
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.REASSIGN,
            method="reassign",
            note=limits.checked_text(note, field="note", limit=limits.NOTE),
            data={
                "from": previous.get_username() if previous else "",
                "assignee": assignee.get_username(),
                "unit": unit.name,
            },
            is_internal=True,
            clock_change=lambda clocks: clocks.on_assigned(action="reassign", assignee=assignee, unit=unit),
            assignee=assignee,
            unit=unit,
        )
        self.notify(case, at, "case_assigned", [assignee], f"v{case.version}")

    def resolve(self, rows: CaseRows, at: datetime, *, acting_user: User, resolution_type: str, reply: str) -> None:
        case = rows.case
        if case.parent_id is not None:
            raise Unsupported("A sub-case's answer may settle its parent: the service tells the parent's assignee.")
        reply = limits.checked_text(reply, field="reply", limit=limits.REPLY)
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.RESOLVE,
            method="resolve",
            note=reply,
            data={"resolution_type": resolution_type},
            clock_change=lambda clocks: clocks.on_resolved(),
            resolution_type=resolution_type,
            reply=reply,
        )
        self.notify(case, at, "case_resolved", self.enterprise_contacts(case), f"v{case.version}")

    def reopen(self, rows: CaseRows, at: datetime, *, acting_user: User, reason: str) -> None:
        case = rows.case
        reason = limits.checked_text(reason, field="reason", limit=limits.REASON)
        by_enterprise = is_filing_enterprise(case, acting_user) and not supervises(case, acting_user)
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.REOPEN,
            method="reopen",
            note=reason,
            clock_change=lambda clocks: clocks.on_reopened(),
            by_enterprise=by_enterprise,
        )
        self.notify(case, at, "case_reopened", [case.assignee], f"v{case.version}", reason=reason)

    def close(
        self, rows: CaseRows, at: datetime, *, acting_user: User, satisfaction: int | None = None, comment: str = ""
    ) -> None:
        if satisfaction in BAD_RATINGS:
            raise Unsupported("A bad rating opens a rectification: supervision answers the service's signal.")
        case = rows.case
        as_enterprise = is_filing_enterprise(case, acting_user)
        comment = limits.checked_text(comment, field="comment", limit=limits.NOTE)
        closure = Closure.CONFIRMED if as_enterprise else Closure.BY_SUPERVISOR
        rating = satisfaction if as_enterprise else None
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.CLOSE,
            method="close",
            note=comment,
            data={"closure": closure, "satisfaction": rating},
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.MET if as_enterprise else ClockOutcome.CLOSED),
            closure=closure,
            satisfaction=rating,
            comment=comment if as_enterprise else "",
        )
        label = Satisfaction(rating).label if rating else ""
        self.notify(case, at, "case_closed", [case.assignee], f"v{case.version}", rating=label)

    def close_unanswered(self, rows: CaseRows, at: datetime) -> None:
        case = rows.case
        if case.state != CaseState.RESOLVED or case.confirmation_due_at > at:
            raise ValueError(f"{case.number}: the sweep closes only a resolved case past its confirmation deadline.")
        self.transition(
            rows,
            at,
            actor=None,
            action=EventAction.CLOSE,
            method="close",
            data={"closure": Closure.NO_ANSWER, "satisfaction": None},
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.EXPIRED),
            closure=Closure.NO_ANSWER,
            satisfaction=None,
            comment="",
        )
        recipients = [case.assignee, *self.enterprise_contacts(case)]
        self.notify(case, at, "case_closed", recipients, f"v{case.version}", rating="")

    def withdraw(self, rows: CaseRows, at: datetime, *, acting_user: User, reason: str) -> None:
        case = rows.case
        reason = limits.checked_text(reason, field="reason", limit=limits.REASON)
        assignee = case.assignee
        self.transition(
            rows,
            at,
            actor=acting_user,
            action=EventAction.WITHDRAW,
            method="withdraw",
            note=reason,
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.WITHDRAWN),
        )
        self.notify(case, at, "case_withdrawn", [assignee], f"v{case.version}", reason=reason)

    def urge_overdue(self, rows: CaseRows, at: datetime) -> None:
        """``case_urge_overdue``: the clock's claim and ``_urging_level_set`` raising the case to 催办."""
        case = rows.case
        cycle = rows.running.get(ClockKind.RESOLUTION)
        if case.state != CaseState.ASSIGNED or case.urging_level != UrgingLevel.NONE or cycle is None:
            raise ValueError(f"{case.number}: the sweep urges only an assigned case on its running resolution clock.")
        overdue_workdays, answer_due_at, note = automatic_urging(calendar=self.calendar, due_at=cycle.due_at, now=at)
        cycle.urged_at = at
        case.urging_level, case.urging_answer_due_at, case.updated_at = UrgingLevel.URGED, answer_due_at, at
        case.version += 1
        self.event(
            case,
            at,
            actor=None,
            action=EventAction.URGE,
            from_state=case.state,
            note=note,
            data={
                "from": UrgingLevel.NONE,
                "to": UrgingLevel.URGED,
                "answer_due_at": answer_due_at.isoformat(),
                "automatic": True,
                "overdue_workdays": overdue_workdays,
            },
            is_internal=True,
        )
        self.notify(
            case,
            at,
            "case_urged",
            [case.assignee],
            f"v{case.version}",
            level=UrgingLevel.URGED.label,
            previous_level=UrgingLevel.NONE.label,
            cleared=False,
            note=note,
            answer_due_at=answer_due_at,
        )
