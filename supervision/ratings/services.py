"""Writes after the rating: rectifications of bad ratings (整改) and appeals of ratings (申诉).

Same shape as ``workflow.services``: keyword-only, one transaction, the row
re-read under a lock, state and permission checked on the server, an internal
case event and the notifications committed with the change, or nothing at all.
The enterprise is never told: rectifications and appeals are government business.
"""

from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, EventAction
from core import limits
from core.errors import Conflict, InvalidInput
from core.fsm import logged_transition
from core.limits import required_text
from enterprises.access import overseers_of
from enterprises.models import Role
from notifications.services import Message, notifications_create
from workflow import clock
from workflow.ladder import next_remind_at
from workflow.selectors import work_calendar
from workflow.services.shared import case_event_record, case_lock

from .models import Appeal, AppealKind, AppealState, Rectification, RectificationState
from .permissions import BAD_RATING, appeal_refusal, ensure_may
from .reminders import STEPS


def _unit_heads(unit_id: int) -> list[User]:
    return overseers_of(Role.UNIT_HEAD, unit_id=unit_id, township_id=None)


def _supervisors_of(row: Rectification | Appeal) -> list[User]:
    return overseers_of(Role.SUPERVISOR, unit_id=row.unit_id, township_id=row.case.enterprise.township_id)


def _the_unit(rectification: Rectification) -> list[User]:
    """Who answers for a rectification: the cadre who had the case and the heads over the unit."""
    assignee = [rectification.assignee] if rectification.assignee else []
    return assignee + _unit_heads(rectification.unit_id)


def _notify(row: Rectification | Appeal, kind: str, recipients: list[User], occurrence: str, **context: object) -> None:
    name = "rectification" if isinstance(row, Rectification) else "appeal"
    notifications_create(
        recipients=recipients,
        message=Message(
            kind=kind,
            key=f"{name}:{row.pk}:{kind}:{occurrence}",
            about=f"{name}:{row.pk}",
            link=reverse(f"api:{name}-detail", kwargs={"pk": row.pk}),
            context={name: row, "case": row.case, **context},
        ),
    )


def _record_rectification_event(
    rectification: Rectification, *, actor: User | None, note: str = "", at: datetime
) -> None:
    case_event_record(
        case=rectification.case,
        actor=actor,
        action=EventAction.RECTIFICATION,
        note=note,
        data={
            "rectification": rectification.pk,
            "state": rectification.state,
            "due_at": rectification.due_at.isoformat(),
        },
        is_internal=True,
        at=at,
    )


def _locked_rectification(rectification: Rectification) -> Rectification:
    return (
        # Only this row is locked; the case and people come along unlocked (and the assignee
        # through an outer join, which PostgreSQL cannot lock).
        Rectification.objects.select_for_update(of=("self",))
        .select_related("case", "case__enterprise", "assignee")
        .get(pk=rectification.pk)
    )


# --- rectifications -----------------------------------------------------------------------------------------


def rectification_open(*, case: Case, rating: int | None, at: datetime) -> Rectification | None:
    """A rating of 2 不满意 or 1 非常不满意 opens a rectification for the responsible unit; others open none.

    Due ``HUIYIN["RECTIFICATION_WORKDAYS"]`` working days after the rating, at the end of that day.
    Call inside the closing transaction.
    """
    if rating is None or rating > BAD_RATING:
        return None
    calendar = work_calendar()
    due = calendar.add_workdays(at, settings.HUIYIN["RECTIFICATION_WORKDAYS"])
    rectification = Rectification(
        case=case,
        unit_id=case.responsible_unit_id,
        assignee=case.assignee,
        satisfaction=rating,
        rated_at=at,
        due_at=due.due_at,
        provisional=due.provisional,
        created_at=at,
    )
    rectification.remind_at = next_remind_at(STEPS, rectification, calendar)
    rectification.save(force_insert=True)
    _record_rectification_event(rectification, actor=None, at=at)
    _notify(rectification, "rectification_opened", _the_unit(rectification), "opened")
    return rectification


def rectification_open_on_rating(
    sender: type, *, case: Case, rating: int | None, at: datetime, **kwargs: object
) -> None:
    """Receiver of ``workflow.signals.case_closed`` (connected in ``SupervisionConfig.ready``)."""
    rectification_open(case=case, rating=rating, at=at)


def rectification_submit(*, rectification: Rectification, acting_user: User, report: str) -> Rectification:
    """The unit's head or the assignee reports what was done; the supervisors of the jurisdiction are told."""
    ensure_may(rectification, acting_user=acting_user, method="submit")
    report = required_text(report, "report", _("Say what was done to put it right."), limit=limits.REPORT)
    with transaction.atomic():
        current = _locked_rectification(rectification)
        ensure_may(current, acting_user=acting_user, method="submit")
        now = clock.now()
        logged_transition(
            current.submit, acting_user=acting_user, description=report, by=acting_user, report=report, at=now
        )
        current.save()
        _record_rectification_event(current, actor=acting_user, note=report, at=now)
        _notify(current, "rectification_submitted", _supervisors_of(current), f"submitted{current.return_count}")
    return current


def rectification_accept(*, rectification: Rectification, acting_user: User, note: str = "") -> Rectification:
    """A supervisor of the jurisdiction finds it done; the unit is told."""
    ensure_may(rectification, acting_user=acting_user, method="accept")
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    with transaction.atomic():
        current = _locked_rectification(rectification)
        ensure_may(current, acting_user=acting_user, method="accept")
        now = clock.now()
        logged_transition(current.accept, acting_user=acting_user, description=note, by=acting_user, note=note, at=now)
        current.save()
        _record_rectification_event(current, actor=acting_user, note=note, at=now)
        _notify(current, "rectification_accepted", _the_unit(current), "accepted")
    return current


def rectification_return(
    *, rectification: Rectification, acting_user: User, reason: str, due_date: date | None = None
) -> Rectification:
    """A supervisor returns the report with a reason; the unit works on to the same deadline or a new one."""
    ensure_may(rectification, acting_user=acting_user, method="send_back")
    reason = required_text(reason, "reason", _("Say what is still missing."), limit=limits.REASON)
    calendar = work_calendar()
    now = clock.now()
    due_at, provisional = rectification.due_at, rectification.provisional
    if due_date is not None:
        due_at = calendar.end_of_day(due_date)
        provisional = not calendar.is_official(due_date)
        if not calendar.is_workday(due_date) or due_at <= now:
            message = _("Choose a working day from today on.")
            raise InvalidInput(message, code="due_date", fields={"due_date": [message]})
    with transaction.atomic():
        current = _locked_rectification(rectification)
        ensure_may(current, acting_user=acting_user, method="send_back")
        if due_date is None:
            due_at, provisional = current.due_at, current.provisional
        logged_transition(
            current.send_back,
            acting_user=acting_user,
            description=reason,
            by=acting_user,
            reason=reason,
            due_at=due_at,
            provisional=provisional,
            at=now,
        )
        current.remind_at = next_remind_at(STEPS, current, calendar)
        current.save()
        _record_rectification_event(current, actor=acting_user, note=reason, at=now)
        _notify(current, "rectification_returned", _the_unit(current), f"returned{current.return_count}", reason=reason)
    return current


# --- appeals ------------------------------------------------------------------------------------------------


PREVIOUS_APPEAL = {
    AppealState.PENDING: (
        gettext_lazy("An appeal of this rating is already waiting for a decision."),
        "appeal_pending",
    ),
    AppealState.REJECTED: (
        gettext_lazy("An appeal of this rating was rejected; it cannot be filed again."),
        "appeal_rejected",
    ),
    AppealState.UPHELD: (gettext_lazy("An appeal of this rating was already upheld."), "appeal_upheld"),
}


def appeal_file(*, case: Case, acting_user: User, kind: str, reason: str) -> Appeal:
    """The responsible unit's head or the case's assignee disputes a bad rating, within the appeal window."""
    now = clock.now()
    refusal = appeal_refusal(case, acting_user, calendar=work_calendar(), now=now)
    if refusal is not None:
        raise refusal
    if kind not in AppealKind.values:
        message = _("Say whether the rating is mistaken or malicious.")
        raise InvalidInput(message, code="kind", fields={"kind": [message]})
    reason = required_text(reason, "reason", _("Say why the rating should not count."), limit=limits.REASON)
    with transaction.atomic():
        # The case row's lock makes two filings for one rating take turns; the second finds the first.
        current = case_lock(case_id=case.pk)
        previous = (
            Appeal.objects.filter(case=current, rated_at=current.closed_at).values_list("state", flat=True).first()
        )
        if previous is not None:
            message, code = PREVIOUS_APPEAL[previous]  # type: ignore[assignment]  # lazy, as Conflict takes it
            raise Conflict(message, code=code)
        appeal = Appeal.objects.create(
            case=current,
            unit_id=current.responsible_unit_id,
            kind=kind,
            reason=reason,
            satisfaction=current.satisfaction,
            rated_at=current.closed_at,
            filed_by=acting_user,
            filed_at=now,
        )
        case_event_record(
            case=current,
            actor=acting_user,
            action=EventAction.APPEAL,
            note=reason,
            data={"appeal": appeal.pk, "kind": kind, "satisfaction": current.satisfaction},
            is_internal=True,
            at=now,
        )
        _notify(appeal, "appeal_filed", _supervisors_of(appeal), "filed")
    return appeal


def appeal_decide(*, appeal: Appeal, acting_user: User, uphold: bool, note: str) -> Appeal:
    """A supervisor of the jurisdiction upholds the appeal (the rating stops counting, its open
    rectification is cancelled, the rating itself stays on the case) or rejects it (the rating counts)."""
    method = "uphold" if uphold else "reject"
    ensure_may(appeal, acting_user=acting_user, method=method)
    note = required_text(note, "note", _("Give the reason for the decision."), limit=limits.NOTE)
    with transaction.atomic():
        current = (
            Appeal.objects.select_for_update(of=("self",)).select_related("case", "case__enterprise").get(pk=appeal.pk)
        )
        ensure_may(current, acting_user=acting_user, method=method)
        now = clock.now()
        logged_transition(
            getattr(current, method), acting_user=acting_user, description=note, by=acting_user, note=note, at=now
        )
        current.save()
        case_event_record(
            case=current.case,
            actor=acting_user,
            action=EventAction.APPEAL_DECISION,
            note=note,
            data={"appeal": current.pk, "upheld": uphold},
            is_internal=True,
            at=now,
        )
        cancelled = None
        if uphold:
            cancelled = (
                Rectification.objects.select_for_update()
                .filter(
                    case_id=current.case_id,
                    rated_at=current.rated_at,
                    state__in=[RectificationState.OPEN, RectificationState.SUBMITTED],
                )
                .first()
            )
            if cancelled is not None:
                logged_transition(cancelled.cancel, acting_user=acting_user, description=note, at=now)
                cancelled.save()
                _record_rectification_event(cancelled, actor=acting_user, note=note, at=now)
        recipients = [current.filed_by, *_unit_heads(current.unit_id)]
        if current.case.assignee:
            recipients.append(current.case.assignee)
        _notify(current, "appeal_decided", recipients, "decided", upheld=uphold, rectification_cancelled=cancelled)
    return current
