"""Writes of the joint review meeting: flag, withdraw, plan a meeting, build its agenda, decide, close.

Each runs in one transaction: the flag or meeting, the case events and the
sub-cases (filed through ``workflow.services`` so they get clocks, reminders
and notifications) commit together or not at all. Every event is internal
except the one that tells the enterprise its case was taken up by the meeting.
"""

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, EventAction
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition
from core.limits import required_text
from core.people import user_name
from enterprises.access import roles_for_user
from enterprises.models import Unit
from workflow import clock
from workflow.selectors import work_calendar
from workflow.services import sub_case_file
from workflow.services.shared import case_event_record, case_lock

from .models import AgendaItem, FlagKind, FlagState, ItemOutcome, Meeting, MeetingFlag, MeetingState
from .permissions import FLAGGABLE_STATES, ensure_runs, may_flag, may_plan_meetings, may_withdraw_flag
from .selectors import in_units_q, jurisdiction_units, leaders_chairing


def flag_create(*, case: Case, acting_user: User, kind: str, reason: str) -> MeetingFlag:
    """Flag an open case for the joint review meeting (大事集中会办); one pending flag per case."""
    if not may_flag(case, acting_user):
        raise NotPermitted(
            _("Only the assignee, a head of the responsible unit or a supervisor can flag this case for the meeting."),
            code="not_allowed_to_flag",
        )
    if kind not in FlagKind.values:
        message = _("Say whether the case needs a leader's decision or several departments.")
        raise InvalidInput(message, code="flag_kind", fields={"kind": [message]})
    reason = required_text(reason, "reason", _("Say why the case needs the joint review meeting."), limit=limits.REASON)
    with transaction.atomic():
        current = case_lock(case_id=case.pk)
        if current.state not in FLAGGABLE_STATES:
            raise Conflict(_("Only a case that is still being worked on can go to the meeting."), code="invalid_state")
        if MeetingFlag.objects.filter(case=current, state=FlagState.PENDING).exists():
            raise Conflict(_("This case is already waiting for the joint review meeting."), code="already_flagged")
        now = clock.now()
        try:
            # A savepoint, so that losing a race to the unique constraint leaves the transaction usable.
            with transaction.atomic():
                flag = MeetingFlag.objects.create(
                    case=current, kind=kind, reason=reason, flagged_by=acting_user, flagged_at=now
                )
        except IntegrityError:
            raise Conflict(
                _("This case is already waiting for the joint review meeting."), code="already_flagged"
            ) from None
        case_event_record(
            case=current,
            actor=acting_user,
            action=EventAction.MEETING_FLAG,
            from_state=current.state,
            note=reason,
            data={"flag": flag.pk, "kind": kind},
            is_internal=True,
            at=now,
        )
    return flag


def flag_withdraw(*, flag: MeetingFlag, acting_user: User, note: str) -> MeetingFlag:
    """A supervisor takes a case off the meeting's list, with a note; it leaves a planned agenda too."""
    if not may_withdraw_flag(flag, acting_user):
        raise NotPermitted(
            _("Only a supervisor whose jurisdiction covers the case can withdraw its flag."), code="not_supervisor"
        )
    note = required_text(note, "note", _("Say why the flag is withdrawn."), limit=limits.NOTE)
    with transaction.atomic():
        flag = MeetingFlag.objects.select_for_update().select_related("case").get(pk=flag.pk)
        if flag.state != FlagState.PENDING:
            raise Conflict(_("Only a flag waiting for the meeting can be withdrawn."), code="flag_not_pending")
        now = clock.now()
        logged_transition(flag.withdraw, acting_user=acting_user, description=note, by=acting_user, note=note, at=now)
        flag.save(update_fields=["state", "withdrawn_by", "withdrawn_at", "withdrawal_note"])
        removed = list(
            AgendaItem.objects.filter(flag=flag, outcome=ItemOutcome.OPEN).values_list("meeting_id", flat=True)
        )
        AgendaItem.objects.filter(flag=flag, outcome=ItemOutcome.OPEN).delete()
        case_event_record(
            case=flag.case,
            actor=acting_user,
            action=EventAction.MEETING_UNFLAG,
            from_state=flag.case.state,
            note=note,
            data={"flag": flag.pk, "removed_from_meeting": removed[0] if removed else None},
            is_internal=True,
            at=now,
        )
    return flag


def _default_jurisdiction(acting_user: User) -> Unit:
    """The top unit of the supervisor's jurisdiction; a supervisor of several must choose."""
    supervised = roles_for_user(acting_user).supervised_unit_ids
    tops = list(Unit.objects.filter(pk__in=supervised).exclude(parent_id__in=supervised)[:2])
    if len(tops) != 1:
        message = _("Choose the jurisdiction the meeting is for.")
        raise InvalidInput(message, code="required", fields={"jurisdiction": [message]})
    return tops[0]


def meeting_create(
    *,
    acting_user: User,
    held_on: date,
    chair: User,
    participating_units: list[Unit],
    jurisdiction: Unit | None = None,
    title: str = "",
    location: str = "",
) -> Meeting:
    """A supervisor plans a meeting of their jurisdiction; its agenda takes every pending flag not on another."""
    if not may_plan_meetings(acting_user):
        raise NotPermitted(_("Only supervisors plan joint review meetings."), code="not_supervisor")
    roles = roles_for_user(acting_user)
    jurisdiction = jurisdiction or _default_jurisdiction(acting_user)
    if not roles.supervises(jurisdiction.pk, None):
        message = _("You can plan meetings only for your own jurisdiction.")
        raise NotPermitted(message, code="outside_jurisdiction")
    now = clock.now()
    if held_on < _work_calendar_date(now):
        message = _("A meeting is planned for today or a later day.")
        raise InvalidInput(message, code="date_past", fields={"held_on": [message]})
    units = jurisdiction_units(jurisdiction)
    if chair not in leaders_chairing(units):
        name = user_name(chair)
        message = _("%(person)s is not a leader within this jurisdiction.") % {"person": name}
        raise InvalidInput(message, code="chair_not_leader", fields={"chair": [message]})
    outside = [unit.name for unit in participating_units if unit.pk not in units]
    if outside:
        message = _("Outside the meeting's jurisdiction: %(units)s.") % {"units": "、".join(outside)}
        raise InvalidInput(message, code="unit_outside", fields={"participating_units": [message]})
    title = limits.checked_text(title, field="title", limit=limits.TITLE)
    location = limits.checked_text(location, field="location", limit=limits.LOCATION)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            jurisdiction=jurisdiction,
            title=title,
            held_on=held_on,
            location=location,
            chair=chair,
            created_by=acting_user,
            created_at=now,
        )
        meeting.participating_units.set(participating_units)
        _agenda_fill(meeting=meeting, acting_user=acting_user, unit_ids=units, at=now)
    return meeting


def _work_calendar_date(moment: datetime) -> date:
    """Today in Shanghai: a meeting's date is a day of the district, not of the server."""
    return work_calendar().local_date(moment)


def meeting_agenda_refresh(*, meeting: Meeting, acting_user: User) -> list[AgendaItem]:
    """Append the flags raised since the agenda was built; the items already there keep their order."""
    ensure_runs(meeting, acting_user)
    with transaction.atomic():
        meeting = _locked_planned(meeting)
        return _agenda_fill(
            meeting=meeting, acting_user=acting_user, unit_ids=jurisdiction_units(meeting.jurisdiction), at=clock.now()
        )


def _agenda_fill(*, meeting: Meeting, acting_user: User, unit_ids: frozenset[int], at: datetime) -> list[AgendaItem]:
    """Put the jurisdiction's pending flags that are on no open agenda at the end of this one.

    Cases put off before come first, most often deferred first, then by when they were flagged.
    """
    pool = list(
        MeetingFlag.objects.filter(state=FlagState.PENDING)
        .filter(in_units_q(unit_ids, prefix="case__"))
        .exclude(agenda_items__outcome=ItemOutcome.OPEN)
        .select_related("case")
        .order_by("-times_deferred", "flagged_at", "id")
    )
    return _agenda_append(meeting=meeting, flags=pool, acting_user=acting_user, at=at)


def _agenda_append(
    *,
    meeting: Meeting,
    flags: list[MeetingFlag],
    acting_user: User,
    at: datetime,
    deferred_by: Meeting | None = None,
) -> list[AgendaItem]:
    """Add the flags to the end of the agenda in the given order, each with an internal event on its case."""
    if not flags:
        return []
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(last=Max("position"))["last"] or 0
    items = [
        AgendaItem(
            meeting=meeting,
            flag=flag,
            position=last + offset,
            deferred_from=flag.deferred_from,
            times_deferred=flag.times_deferred,
        )
        for offset, flag in enumerate(flags, start=1)
    ]
    try:
        with transaction.atomic():
            AgendaItem.objects.bulk_create(items)
    except IntegrityError:
        raise Conflict(
            _("Another agenda took some of these cases a moment ago. Reload and try again."), code="agenda_changed"
        ) from None
    action = EventAction.MEETING_DEFERRED if deferred_by else EventAction.MEETING_AGENDA
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.flag.case_id,
            actor=acting_user,
            action=action,
            from_state=item.flag.case.state,
            to_state=item.flag.case.state,
            data={
                "meeting": meeting.pk,
                "held_on": meeting.held_on.isoformat(),
                "position": item.position,
                "deferred_from": deferred_by.pk if deferred_by else None,
            },
            is_internal=True,
            created_at=at,
        )
        for item in items
    )
    return items


def _locked_planned(meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("jurisdiction").get(pk=meeting.pk)
    if meeting.state != MeetingState.PLANNED:
        raise Conflict(_("This meeting was already held; its minutes are final."), code="meeting_held")
    return meeting


def _ensure_held_day_reached(meeting: Meeting, now: datetime) -> None:
    if _work_calendar_date(now) < meeting.held_on:
        raise Conflict(
            _("The meeting takes place on %(day)s; decisions are recorded from that day on.")
            % {"day": f"{meeting.held_on:%Y-%m-%d}"},
            code="meeting_not_yet_held",
        )


def meeting_item_decide(
    *, item: AgendaItem, acting_user: User, decision: str, decision_public: bool = False, sub_cases: list[dict]
) -> AgendaItem:
    """Record the meeting's decision (纪要) on one item and file the sub-cases it assigns to units.

    The minutes are an internal event on the case; the enterprise learns from a public event that
    the meeting took the case up and which sub-cases follow, and reads the minutes only when the
    meeting marked them public.
    """
    ensure_runs(item.meeting, acting_user)
    decision = required_text(decision, "decision", _("Write down what the meeting decided."), limit=limits.MINUTES)
    with transaction.atomic():
        meeting = _locked_planned(item.meeting)
        now = clock.now()
        _ensure_held_day_reached(meeting, now)
        item = AgendaItem.objects.select_for_update().select_related("flag").get(pk=item.pk)
        if item.outcome != ItemOutcome.OPEN:
            raise Conflict(_("This item was already decided."), code="item_decided")
        # The parent's lock: its resolution waits for this decision, and this decision for its resolution.
        parent = case_lock(case_id=item.flag.case_id)
        calendar = work_calendar()
        covered = jurisdiction_units(meeting.jurisdiction)
        filed = []
        for index, sub_case in enumerate(sub_cases):
            unit = sub_case.get("unit")
            if unit is not None and unit.pk not in covered:
                message = _("A sub-case goes to a unit within the meeting's jurisdiction.")
                raise InvalidInput(message, code="unit_outside", fields={"sub_cases": {index: {"unit": [message]}}})
            try:
                filed.append(sub_case_file(parent=parent, acting_user=acting_user, calendar=calendar, **sub_case))
            except InvalidInput as error:
                raise InvalidInput(
                    error.message, code=error.code, fields={"sub_cases": {index: error.fields}}
                ) from None
        logged_transition(
            item.decide,
            acting_user=acting_user,
            description=decision,
            decision=decision,
            public=decision_public,
            by=acting_user,
            at=now,
        )
        item.save(update_fields=["outcome", "decision", "decision_public", "decided_by", "decided_at"])
        item.sub_cases.set(filed)
        logged_transition(item.flag.decide, acting_user=acting_user, description=decision)
        item.flag.save(update_fields=["state"])
        numbers = [sub_case.number for sub_case in filed]
        data = {"meeting": meeting.pk, "held_on": meeting.held_on.isoformat(), "sub_cases": numbers}
        case_event_record(
            case=parent,
            actor=acting_user,
            action=EventAction.MEETING_DECISION,
            from_state=parent.state,
            note=decision,
            data={**data, "item": item.pk, "decision_public": decision_public},
            is_internal=True,
            at=now,
        )
        case_event_record(
            case=parent,
            actor=acting_user,
            action=EventAction.JOINT_REVIEW,
            from_state=parent.state,
            note=decision if decision_public else "",
            data=data,
            at=now,
        )
    return item


def meeting_close(*, meeting: Meeting, acting_user: User, notes: str = "") -> tuple[Meeting, list[AgendaItem]]:
    """Close the meeting as held; undecided items roll over to the next planned meeting, or back to the pool.

    Returns the meeting and the items it put on the next meeting's agenda.
    """
    ensure_runs(meeting, acting_user)
    notes = limits.checked_text(notes, field="notes", limit=limits.MINUTES)
    with transaction.atomic():
        meeting = _locked_planned(meeting)
        now = clock.now()
        _ensure_held_day_reached(meeting, now)
        undecided = list(
            AgendaItem.objects.filter(meeting=meeting, outcome=ItemOutcome.OPEN)
            .select_related("flag", "flag__case")
            .order_by("position")
        )
        # Deferred before the next agenda takes them: at most one open item per flag.
        for item in undecided:
            logged_transition(item.defer, acting_user=acting_user)
            item.save(update_fields=["outcome"])
        MeetingFlag.objects.filter(pk__in=[item.flag_id for item in undecided]).update(
            times_deferred=F("times_deferred") + 1, deferred_from=meeting
        )
        flags = [item.flag for item in undecided]
        for flag in flags:
            flag.times_deferred += 1
            flag.deferred_from = meeting
        following = (
            Meeting.objects.filter(jurisdiction=meeting.jurisdiction, state=MeetingState.PLANNED)
            .exclude(pk=meeting.pk)
            .order_by("held_on", "id")
            .first()
        )
        if following is not None:
            rolled = _agenda_append(
                meeting=following, flags=flags, acting_user=acting_user, at=now, deferred_by=meeting
            )
        else:
            rolled = []
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case_id=flag.case_id,
                    actor=acting_user,
                    action=EventAction.MEETING_DEFERRED,
                    from_state=flag.case.state,
                    to_state=flag.case.state,
                    data={"meeting": None, "deferred_from": meeting.pk},
                    is_internal=True,
                    created_at=now,
                )
                for flag in flags
            )
        logged_transition(
            meeting.close, acting_user=acting_user, description=notes, by=acting_user, notes=notes, at=now
        )
        meeting.save(update_fields=["state", "closed_by", "closed_at", "notes"])
    return meeting, rolled
