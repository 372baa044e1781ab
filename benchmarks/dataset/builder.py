"""``ScaleDataset``: the whole run, and each case's plan drawn backwards from where the case stands now; apart from
the district it builds first and from the stories that write the cases.
"""

from datetime import timedelta
from random import Random

from django.db import transaction

from cases.models import CaseNumberSequence, CaseState, Closure, Complexity, format_case_number

from ..bulk import reset_sequences
from ..records import supervision_records
from ..workdays import SHANGHAI
from .district import ScaleDistrict
from .parts import Plan
from .shape import OFTEN_COMPLEX, OVERDUE_SHARE, STATE_SHARES, pick, weighted
from .story import CaseStory

CASES_PER_CHUNK = 10_000


class ScaleDataset(ScaleDistrict):
    """Builds the dataset into the default database; ``run`` reports progress through ``say``."""

    # --- the whole run -----------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.build_district()
            self.build_enterprises()
            for name in ("user", "unit", "membership", "enterprise", "contact", "service"):
                self.tables[name].flush()
        self.say(
            f"district: {len(self.people.unit_name)} units, {self.tables['user'].written} people, "
            f"{len(self.firms)} enterprises"
        )
        self.build_cases()
        reset_sequences(table.model for table in self.tables.values())
        people = self.people
        supervision_records(
            supervisor_id=people.supervisors[0],
            leader_id=people.leaders[0],
            unit_ids=people.bureaus + people.townships,
            as_of=self.as_of,
            flags=max(3, self.shape.cases // 10_000),
            say=self.say,
        )
        return {table.model._meta.label: table.written for table in self.tables.values()}

    # --- cases -------------------------------------------------------------------------------------------------

    def build_cases(self) -> None:
        total = self.shape.cases
        filed = [self.plan(index).filed_at for index in range(total)]
        order = sorted(range(total), key=filed.__getitem__)
        del filed
        numbers = dict(CaseNumberSequence.objects.values_list("year", "last_value"))
        for start in range(0, total, CASES_PER_CHUNK):
            with transaction.atomic():
                for index in order[start : start + CASES_PER_CHUNK]:
                    plan = self.plan(index)
                    year = plan.filed_at.astimezone(SHANGHAI).year
                    numbers[year] = numbers.get(year, 0) + 1
                    self.story(plan, format_case_number(year, numbers[year]))
                for name in (
                    "case",
                    "cycle",
                    "event",
                    "comment",
                    "notification",
                    "extension",
                    "rectification",
                    "appeal",
                ):
                    self.tables[name].flush()
            done = min(start + CASES_PER_CHUNK, total)
            if done % (10 * CASES_PER_CHUNK) == 0 or done == total:
                self.say(f"cases: {done} of {total}")
        with transaction.atomic():
            for year, value in numbers.items():
                CaseNumberSequence.objects.update_or_create(year=year, defaults={"last_value": value})

    def plan(self, index: int) -> Plan:
        """State, enterprise, category and the key moments, drawn backwards from where the case stands now."""
        rng = Random((self.seed << 32) + index)
        days, as_of = self.days, self.as_of
        state = weighted(rng, STATE_SHARES)
        overdue = state in (CaseState.OPENED, CaseState.ASSIGNED) and rng.random() < OVERDUE_SHARE
        sent_back = rng.random() < (0.10 if state == CaseState.OPENED else 0.04)
        if state == CaseState.OPENED and not sent_back and self.firms_without_cadre:
            firm = pick(rng, self.firms_without_cadre, self.firms_without_cadre_totals)
        else:
            firm = pick(rng, self.firms, self.firm_totals)
        category = pick(rng, self.categories, self.category_totals)
        complexity = (
            Complexity.COMPLEX
            if rng.random() < (0.3 if category.code in OFTEN_COMPLEX else 0.1)
            else Complexity.ORDINARY
        )
        plan = Plan(rng=rng, firm=firm, category=category, complexity=complexity, state=state, overdue=overdue)
        plan.sent_back = sent_back
        policy = self.policy(category, complexity)
        window = policy["resolution"]
        times = plan.times
        if state == CaseState.OPENED:
            routing_start = days.before(as_of, rng.randint(2, 12) if overdue else rng.randint(0, 1), rng)
            if sent_back:
                times["send-back"] = routing_start
                times["assign"] = days.before(routing_start, rng.randint(0, 3), rng)
                self.route_backwards(plan)
            else:
                times["file"] = routing_start
            return plan
        if state == CaseState.ASSIGNED:
            plan.extended = rng.random() < 0.04
            if plan.extended:
                extra = rng.randint(5, 10)
                times["extension"] = days.before(
                    as_of, rng.randint(extra + 1, extra + 20) if overdue else rng.randint(0, extra), rng
                )
                times["extension-days"] = extra  # type: ignore[assignment]
                times["assign"] = days.before(times["extension"], rng.randint(2, window), rng)
            else:
                times["assign"] = days.before(
                    as_of, rng.randint(window + 1, window + 25) if overdue else rng.randint(0, window), rng
                )
            self.route_backwards(plan)
            return plan
        if state == CaseState.RESOLVED:
            times["resolve"] = days.before(as_of, rng.randint(0, 4), rng)
            times["assign"] = days.before(times["resolve"], self.resolution_days(rng, window), rng)
            self.route_backwards(plan)
            return plan
        plan.closure = weighted(
            rng,
            (
                (Closure.CONFIRMED, 0.90),
                (Closure.NO_ANSWER, 0.05),
                (Closure.WITHDRAWN, 0.03),
                (Closure.BY_SUPERVISOR, 0.02),
            ),
        )
        # Closed over the last year: about 245 working days.
        close = days.before(as_of, rng.randrange(245), rng)
        times["close"] = close
        if plan.closure == Closure.WITHDRAWN:
            times["assign"] = days.before(close, rng.randint(0, 5), rng)
            self.route_backwards(plan)
            return plan
        if plan.closure == Closure.NO_ANSWER:
            times["resolve"] = days.before(close, policy["confirmation"], rng)
            expiry = days.due(times["resolve"], policy["confirmation"]) + timedelta(minutes=rng.randint(1, 9))
            if expiry < as_of:
                times["close"] = expiry
            else:
                plan.closure = Closure.CONFIRMED
        else:
            times["resolve"] = days.before(close, rng.randint(0, 4), rng)
        first_resolve = times["resolve"]
        plan.reopened = rng.random() < 0.03
        if plan.reopened:
            times["reopen"] = days.before(times["resolve"], rng.randint(1, 4), rng)
            first_resolve = times["first-resolve"] = days.before(times["reopen"], rng.randint(0, 4), rng)
        times["assign"] = days.before(first_resolve, self.resolution_days(rng, window), rng)
        plan.extended = rng.random() < 0.04
        if plan.extended:
            times["extension"] = times["assign"] + (first_resolve - times["assign"]) / 2
            times["extension-days"] = rng.randint(5, 10)  # type: ignore[assignment]
        self.route_backwards(plan)
        return plan

    @staticmethod
    def resolution_days(rng: Random, window: int) -> int:
        """Working days from assignment to the answer: mostly within the window, one in twelve late."""
        if rng.random() < 0.08:
            return window + rng.randint(1, 8)
        return rng.randint(0, window - 1)

    def route_backwards(self, plan: Plan) -> None:
        """Filing before the (first) assignment: at once when the serving cadre takes it, else via dispatch."""
        rng, times, days = plan.rng, plan.times, self.days
        assign = times["assign"]
        if plan.sent_back and plan.state != CaseState.OPENED:
            # The current assignment came from the dispatch room after the first assignee sent it back.
            times["send-back"] = days.before(assign, rng.randint(0, 2), rng)
            times["first-assign"] = days.before(times["send-back"], rng.randint(0, 2), rng)
            first = times["first-assign"]
        else:
            first = assign
        if plan.firm.cadre is not None:
            times["file"] = first - timedelta(seconds=1)
        else:
            times["file"] = days.before(first, weighted(rng, ((0, 0.70), (1, 0.25), (2, 0.03), (3, 0.02))), rng)

    def story(self, plan: Plan, number: str) -> None:
        CaseStory(self, plan, number).write()
