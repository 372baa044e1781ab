"""``CaseStory``: one case's steps, forwards from its filing to where it stands at the dataset's moment."""

from datetime import datetime, timedelta

from cases.models import CaseState, Closure, EventAction, ResolutionType, UrgingLevel, Visibility
from enterprises.models import UnitKind
from supervision.ratings.models import AppealKind, AppealState, RectificationState
from workflow.models import ClockKind, ClockOutcome, ExtensionState

from .. import vocabulary as words
from ..workdays import SHANGHAI
from .history import CaseHistory
from .shape import DISPATCH_BUREAUS, SATISFACTION_WEIGHTS, weighted


class CaseStory(CaseHistory):
    """One case's history, forwards: events, clocks, replies, notifications; then its rows."""

    def pick_cadre(self, *, avoid=None) -> tuple[int, int]:
        """A cadre and unit the dispatch room would choose for this category."""
        rng, people, code = self.rng, self.people, self.plan.category.code
        if self.plan.category.default_unit_kind in (UnitKind.TOWNSHIP, UnitKind.STREET):
            unit = self.plan.firm.township
        else:
            named = [people.bureau_by_name[n] for n in DISPATCH_BUREAUS.get(code, ()) if n in people.bureau_by_name]
            unit = rng.choice(named) if named and rng.random() < 0.8 else rng.choice(people.bureaus)
        choices = [cadre for cadre in people.cadres_of[unit] if cadre != avoid] or people.cadres_of[unit]
        return rng.choice(choices), unit

    def assign(self, at: datetime, *, automatic: bool, after_send_back: bool = False) -> None:
        firm = self.plan.firm
        if automatic:
            assignee, unit, actor = firm.cadre, firm.unit, None
        else:
            assignee, unit = self.pick_cadre(avoid=self.sent_back_by if after_send_back else None)
            actor = self.rng.choice(self.people.dispatchers)
        data = {"assignee": self.people.username[assignee], "unit": self.people.unit_name[unit]}
        if automatic:
            data["automatic"] = True
        self.event(at, actor, EventAction.ASSIGN, to_state=CaseState.ASSIGNED, data=data)
        self.assignee, self.unit = assignee, unit
        self.row.update(assigned_at=at, accepted_at=None, sent_back_at=None)
        self.stop(ClockKind.ROUTING, at, ClockOutcome.MET)
        self.hand_over(ClockKind.FIRST_REPLY, assignee, unit)
        self.start(ClockKind.RESPONSE, at, self.policy["response"], "assign", responsible=assignee, unit=unit)
        self.start(ClockKind.RESOLUTION, at, self.policy["resolution"], "assign", responsible=assignee, unit=unit)
        self.notify(assignee, "case_assigned", at, f"新诉求待签收：{self.title}")

    def send_back(self, at: datetime) -> None:
        self.event(
            at, self.assignee, EventAction.SEND_BACK, to_state=CaseState.OPENED, internal=True,
            note=self.rng.choice(words.SEND_BACK_REASONS), data={"unit": self.people.unit_name[self.unit]},
        )  # fmt: skip
        self.stop(ClockKind.RESPONSE, at, ClockOutcome.SENT_BACK)
        self.stop(ClockKind.RESOLUTION, at, ClockOutcome.SENT_BACK)
        self.hand_over(ClockKind.FIRST_REPLY, None, None)
        self.start(ClockKind.ROUTING, at, self.policy["response"], "send-back")
        self.row.update(assigned_at=None, accepted_at=None, sent_back_at=at)
        self.sent_back_by, self.assignee, self.unit = self.assignee, None, None

    def accept_and_reply(self, after: datetime, until: datetime, *, may_wait: bool) -> None:
        """Signing for (签收) and a first public reply, between the assignment and what comes next; mostly
        within their clocks, sometimes late."""
        rng = self.rng
        if may_wait and rng.random() < 0.5:
            return
        on_time = rng.random() < 0.93
        response_due = self.running[ClockKind.RESPONSE].due_at
        accepted = self.days.soon_after(after, min(until, response_due) if on_time else until, rng)
        self.event(accepted, self.assignee, EventAction.ACCEPT, to_state=CaseState.ASSIGNED)
        self.row["accepted_at"] = accepted
        self.stop(ClockKind.RESPONSE, accepted, ClockOutcome.MET)
        if rng.random() < 0.85 and ClockKind.FIRST_REPLY in self.running:
            reply_due = self.running[ClockKind.FIRST_REPLY].due_at
            limit = min(until, reply_due) if on_time and reply_due > accepted else until
            replied = self.days.soon_after(accepted, limit, rng)
            comment = self.tables["comment"].allocate()
            body = rng.choice(words.FIRST_REPLIES)
            self.tables["comment"].add(comment, self.case_id, self.assignee, Visibility.PUBLIC, body, replied)
            self.event(replied, self.assignee, EventAction.COMMENT, data={"comment": comment}, transition=False)
            self.stop(ClockKind.FIRST_REPLY, replied, ClockOutcome.MET)
            self.notify(self.plan.firm.contact, "case_replied", replied, f"诉求有新回复：{self.title}")

    def extend(self, at: datetime, extra_days: int) -> None:
        current = self.running[ClockKind.RESOLUTION]
        rng, days = self.rng, self.days
        asked = days.soon_after(self.updated_at, at, rng)
        new_due = days.due(current.due_at, extra_days) if current.due_at > at else days.due(at, extra_days)
        supervisor = rng.choice(self.people.supervisors)
        table = self.tables["extension"]
        table.add(
            table.allocate(), self.case_id, self.assignee, rng.choice(words.EXTENSION_REASONS), current.due_at,
            new_due, ExtensionState.APPROVED, supervisor, at, "同意延期。", asked,
        )  # fmt: skip
        self.event(asked, self.assignee, EventAction.EXTENSION_REQUEST, internal=True, transition=False)
        self.event(
            at, supervisor, EventAction.EXTENSION_DECISION, internal=True, data={"approved": True}, transition=False
        )
        self.stop(ClockKind.RESOLUTION, at, ClockOutcome.EXTENDED)
        workdays = max(1, days.between(at, new_due))
        self.start(
            ClockKind.RESOLUTION,
            at,
            workdays,
            "extension",
            responsible=current.responsible,
            unit=current.unit,
            due=new_due,
        )

    def resolve(self, at: datetime) -> None:
        reply = self.rng.choice(words.REPLIES)
        kind = weighted(
            self.rng,
            ((ResolutionType.SOLVED, 0.8), (ResolutionType.PARTLY_SOLVED, 0.1), (ResolutionType.EXPLAINED, 0.08),
             (ResolutionType.NOT_OUR_DUTY, 0.02)),
        )  # fmt: skip
        self.event(
            at,
            self.assignee,
            EventAction.RESOLVE,
            to_state=CaseState.RESOLVED,
            note=reply,
            data={"resolution_type": kind},
        )
        self.row.update(resolution_type=kind, reply=reply, resolved_at=at)
        if self.row["accepted_at"] is None:
            self.row["accepted_at"] = at
        for kind_ in (ClockKind.RESPONSE, ClockKind.FIRST_REPLY, ClockKind.RESOLUTION):
            self.stop(kind_, at, ClockOutcome.MET)
        self.start(ClockKind.CONFIRMATION, at, self.policy["confirmation"], "resolve")
        self.notify(self.plan.firm.contact, "case_resolved", at, f"诉求已办结，请确认：{self.title}")

    def reopen(self, at: datetime) -> None:
        self.event(
            at,
            self.plan.firm.contact,
            EventAction.REOPEN,
            to_state=CaseState.ASSIGNED,
            note=self.rng.choice(words.REOPEN_REASONS),
        )
        self.row.update(resolution_type="", resolved_at=None, assigned_at=at, enterprise_reopen_count=1)
        self.stop(ClockKind.CONFIRMATION, at, ClockOutcome.REOPENED)
        self.start(ClockKind.RESOLUTION, at, self.policy["reopen"], "reopen", responsible=self.assignee, unit=self.unit)

    def close(self, at: datetime, closure: str) -> None:
        rng = self.rng
        rating = None
        if closure == Closure.CONFIRMED:
            rating = weighted(rng, SATISFACTION_WEIGHTS)
            comment = rng.choice(words.SATISFACTION_COMMENTS[rating])
            actor, outcome = self.plan.firm.contact, ClockOutcome.MET
        elif closure == Closure.BY_SUPERVISOR:
            comment, actor, outcome = "", rng.choice(self.people.supervisors), ClockOutcome.CLOSED
        else:
            comment, actor, outcome = "", None, ClockOutcome.EXPIRED
        self.event(
            at,
            actor,
            EventAction.CLOSE,
            to_state=CaseState.CLOSED,
            note=comment,
            data={"closure": closure, "satisfaction": rating},
        )
        self.row.update(closure=closure, satisfaction=rating, satisfaction_comment=comment, closed_at=at)
        for kind in list(self.running):
            self.stop(kind, at, outcome)
        if rating is not None and rating <= 2:
            self.rectify(at, rating)

    def withdraw(self, at: datetime) -> None:
        self.event(
            at,
            self.plan.firm.contact,
            EventAction.WITHDRAW,
            to_state=CaseState.CLOSED,
            note=self.rng.choice(words.WITHDRAW_REASONS),
        )
        self.row.update(closure=Closure.WITHDRAWN, closed_at=at)
        for kind in list(self.running):
            self.stop(kind, at, ClockOutcome.WITHDRAWN)

    def rectify(self, rated_at: datetime, rating: int) -> None:
        """A bad rating opens a rectification for the unit (due in 5 working days); some are appealed."""
        rng, days, as_of = self.rng, self.days, self.data.as_of
        due = days.due(rated_at, 5)
        age = days.between(rated_at, as_of)
        head = self.people.head_of[self.unit]
        supervisor = rng.choice(self.people.supervisors)
        cancelled_at = None
        if rng.random() < 0.15:
            filed = days.soon_after(rated_at, min(as_of, days.due(rated_at, 10)), rng)
            if age > 12:
                decided = days.soon_after(filed, min(as_of, filed + timedelta(days=10)), rng)
                state = AppealState.UPHELD if rng.random() < 0.4 else AppealState.REJECTED
                note = "申诉理由成立。" if state == AppealState.UPHELD else "申诉理由不充分。"
                cancelled_at = decided if state == AppealState.UPHELD else None
            else:
                decided, state, note = None, AppealState.PENDING, ""
            table = self.tables["appeal"]
            reason = rng.choice(words.APPEAL_REASONS)
            table.add(
                table.allocate(), self.case_id, self.unit, rng.choice(AppealKind.values), reason, rating, rated_at,
                state, head, filed, supervisor if decided else None, decided, note,
            )  # fmt: skip
        submitted = decided = closed = None
        report = note = ""
        step, remind_at = 0, None
        if cancelled_at is not None:
            state, closed = RectificationState.CANCELLED, cancelled_at
        elif age > 8 and rng.random() < 0.9:
            submitted = days.soon_after(rated_at, due + timedelta(days=2), rng)
            decided = closed = days.soon_after(submitted, min(as_of, submitted + timedelta(days=5)), rng)
            state, report, note = RectificationState.ACCEPTED, rng.choice(words.RECTIFICATION_REPORTS), "整改到位。"
        elif age > 3 and rng.random() < 0.5:
            submitted = days.soon_after(rated_at, as_of, rng)
            state, report = RectificationState.SUBMITTED, rng.choice(words.RECTIFICATION_REPORTS)
        else:
            state = RectificationState.OPEN
            steps = [days.morning_before(due), days.morning_of(days.local_date(due)), due]
            step = sum(1 for moment in steps if moment <= as_of)
            remind_at = steps[step] if step < len(steps) else None
        table = self.tables["rectification"]
        table.add(
            table.allocate(), self.case_id, self.unit, self.assignee, rating, rated_at, state, due, step, remind_at,
            report, head if submitted else None, submitted, supervisor if decided else None, decided, note, closed,
            rated_at,
        )  # fmt: skip

    def urge(self) -> None:
        """An overdue case three working days late was urged by the sweep; a supervisor raised some further."""
        rng, days, as_of = self.rng, self.days, self.data.as_of
        clock = self.running[ClockKind.RESOLUTION]
        late = days.between(clock.due_at, as_of)
        if late < 3:
            return
        urged = days.morning_of(days.day_after(clock.due_at, 3)) + timedelta(minutes=rng.randint(0, 4))
        if urged >= as_of:
            return
        answer = days.due(urged, 2)
        note = f"解决时限已逾期3个工作日，系统自动催办。请于{answer.astimezone(SHANGHAI):%Y-%m-%d %H:%M}前报告进展。"
        data = {"from": 0, "to": 1, "answer_due_at": answer.isoformat(), "automatic": True, "overdue_workdays": 3}
        self.event(urged, None, EventAction.URGE, note=note, data=data, internal=True)
        clock.urged_at = urged
        level = UrgingLevel.URGED
        self.notify(self.assignee, "case_urged", urged, f"催办：{self.title}")
        if rng.random() < 0.25:
            raised = days.soon_after(urged, as_of, rng)
            new_level = UrgingLevel.LISTED if rng.random() < 0.2 else UrgingLevel.SUPERVISED
            answer = days.due(raised, 3)
            data = {"from": int(level), "to": int(new_level), "answer_due_at": answer.isoformat()}
            self.event(
                raised,
                rng.choice(self.people.supervisors),
                EventAction.URGE,
                note="请加快办理并按时报告。",
                data=data,
                internal=True,
            )
            level = new_level
        self.row.update(urging_level=level, urging_answer_due_at=answer)

    # --- the history, then the rows ----------------------------------------------------------------------------

    def write(self) -> None:
        plan, times, as_of = self.plan, self.plan.times, self.data.as_of
        filed = plan.filed_at
        self.event(filed, plan.firm.contact, EventAction.FILE, from_state="", transition=False)
        self.start(ClockKind.ROUTING, filed, self.policy["response"], "file")
        self.start(ClockKind.FIRST_REPLY, filed, self.policy["first_reply"], "file")
        automatic = plan.firm.cadre is not None
        if plan.state == CaseState.OPENED:
            if plan.sent_back:
                self.assign(times["assign"], automatic=automatic)
                self.send_back(times["send-back"])
            self.rows()
            return
        if plan.sent_back:
            self.assign(times["first-assign"], automatic=automatic)
            self.send_back(times["send-back"])
            self.assign(times["assign"], automatic=False, after_send_back=True)
        else:
            self.assign(times["assign"], automatic=automatic)
        upcoming = [times[name] for name in ("extension", "first-resolve", "resolve", "close") if name in times]
        next_step = min(upcoming) if upcoming else as_of
        # Only a case assigned since yesterday may still wait to be signed for.
        fresh = plan.state == CaseState.ASSIGNED and not upcoming and self.days.between(times["assign"], as_of) <= 1
        self.accept_and_reply(times["assign"], next_step, may_wait=fresh)
        if plan.extended:
            self.extend(times["extension"], times["extension-days"])
        if plan.closure == Closure.WITHDRAWN:
            self.withdraw(times["close"])
        elif plan.state == CaseState.ASSIGNED:
            if self.running[ClockKind.RESOLUTION].due_at < as_of:
                self.urge()
        else:
            if plan.reopened:
                self.resolve(times["first-resolve"])
                self.reopen(times["reopen"])
            self.resolve(times["resolve"])
            if plan.state == CaseState.CLOSED:
                self.close(times["close"], plan.closure)
        self.rows()
