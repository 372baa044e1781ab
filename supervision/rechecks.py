"""The monthly re-check (复查) of closed cases: who sees samples, how a sample is drawn, how a result is recorded.

Rules in docs/rechecks.md. The draw is a pure function of the seed and the
population: every case gets the SHA-256 of "<seed>:<case id>" as its key and
the lowest keys are drawn, so the same seed and population give the same
sample on any machine and any Python version, whatever order the database
returns the rows in.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from cases.models import Case, CaseState, Closure, EventAction
from cases.permissions import supervises
from cases.selectors import cases_visible_to
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.limits import required_text
from enterprises.access import UnitTree, roles_for_user
from enterprises.models import Role, Unit, UnitMembership
from workflow import clock
from workflow.services import case_reopen_after_recheck
from workflow.services.shared import case_event_record

from .models import RecheckItem, RecheckMethod, RecheckResult, RecheckSample
from .rates import Period, period_of_month, period_parse, within

# Seeds stay below 10^15 so that they are exact as JSON numbers in every client (JavaScript included).
SEED_LIMIT = 10**15
MONTH_LABEL = re.compile(r"\d{4}-\d{2}")


def default_rate_percent() -> int:
    rate = settings.HUIYIN["RECHECK_RATE_PERCENT"]
    if not isinstance(rate, int) or not 1 <= rate <= 100:
        raise ImproperlyConfigured("HUIYIN['RECHECK_RATE_PERCENT'] must be a whole number from 1 to 100.")
    return rate


# --- who sees and who draws ----------------------------------------------------------------------------------


def may_read_rechecks(user) -> bool:
    roles = roles_for_user(user)
    return roles.is_supervisor or Role.LEADER in roles.roles


def recheck_samples_visible_to(user) -> QuerySet[RecheckSample]:
    """Samples of a jurisdiction inside the one the user oversees; refused to everyone but supervisors and leaders."""
    if not may_read_rechecks(user):
        raise NotPermitted(_("Only supervisors and leaders can see re-checks."), code="not_an_overseer")
    roles = roles_for_user(user)
    samples = RecheckSample.objects.select_related("jurisdiction", "drawn_by")
    if roles.is_superuser:
        return samples
    return samples.filter(jurisdiction_id__in=roles.supervised_unit_ids | roles.led_unit_ids)


def recheck_samples_with_counts(user) -> QuerySet[RecheckSample]:
    """Visible samples with how many items each has, and how many are pending, passed and failed."""
    return recheck_samples_visible_to(user).annotate(
        items_count=Count("items"),
        pending_count=Count("items", filter=Q(items__result="")),
        passed_count=Count("items", filter=Q(items__result=RecheckResult.PASSED)),
        failed_count=Count("items", filter=Q(items__result=RecheckResult.FAILED)),
    )


def recheck_items_visible_to(user, sample: RecheckSample) -> QuerySet[RecheckItem]:
    """The sample's items whose case the user may see, through the one visibility gate."""
    return (
        sample.items.filter(case__in=cases_visible_to(user).values("pk"))
        .select_related("case", "case__enterprise", "unit", "assignee", "checked_by")
        .order_by("position")
    )


def recheck_jurisdictions(user) -> list[Unit]:
    """The units at the top of a supervisor's jurisdictions: a sample is drawn for one of them."""
    roots = {
        jurisdiction_id or unit_id
        for unit_id, jurisdiction_id in UnitMembership.objects.filter(user=user, role=Role.SUPERVISOR).values_list(
            "unit_id", "jurisdiction_id"
        )
    }
    return list(Unit.objects.filter(pk__in=roots).order_by("name"))


def ensure_may_draw(user) -> None:
    if not roles_for_user(user).is_supervisor:
        raise NotPermitted(_("Only supervisors draw re-check samples."), code="not_supervisor")


def drawing_jurisdiction(user, requested: Unit | None) -> Unit:
    """The jurisdiction to draw for: the one asked for, if it is the user's, or the user's only one."""
    ensure_may_draw(user)
    if requested is not None and roles_for_user(user).is_superuser:
        return requested
    own = recheck_jurisdictions(user)
    if requested is not None:
        if requested not in own:
            raise NotPermitted(
                _("You can draw a sample only for a jurisdiction you supervise."), code="not_your_jurisdiction"
            )
        return requested
    if len(own) != 1:
        message = _("Choose the jurisdiction to draw the sample for.")
        raise InvalidInput(message, code="required", fields={"jurisdiction": [message]})
    return own[0]


# --- periods -------------------------------------------------------------------------------------------------


def month_parse(text: str) -> Period:
    """A calendar month in Asia/Shanghai, "2026-10"; quarters and years are refused."""
    period = period_parse(text)
    if not MONTH_LABEL.fullmatch(period.label):
        message = _('Give the month as "2026-10": a sample covers one calendar month.')
        raise InvalidInput(message, code="period", fields={"period": [message]})
    return period


def previous_month(now: datetime) -> Period:
    return period_of_month(period_of_month(now).start - timedelta(days=1))


# --- the draw ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    case_id: int
    unit_id: int
    assignee_id: int | None


def draw_key(seed: int, case_id: int) -> str:
    return hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest()


def sample_size(population: int, rate_percent: int) -> int:
    """The rate's share of the population, rounded up: 5 % of 21 cases is 2."""
    return (population * rate_percent + 99) // 100


def draw(population: Iterable[Candidate], *, seed: int, rate_percent: int) -> list[Candidate]:
    """The drawn candidates in draw order: first the lowest key of each unit, then the lowest keys overall
    until the rate's share is reached. The per-unit picks count toward the share."""
    ranked = sorted(population, key=lambda candidate: (draw_key(seed, candidate.case_id), candidate.case_id))
    chosen: set[int] = set()
    units: set[int] = set()
    for candidate in ranked:
        if candidate.unit_id not in units:
            units.add(candidate.unit_id)
            chosen.add(candidate.case_id)
    for candidate in ranked:
        if len(chosen) >= sample_size(len(ranked), rate_percent):
            break
        chosen.add(candidate.case_id)
    return [candidate for candidate in ranked if candidate.case_id in chosen]


def population_digest(case_ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(str(case_id) for case_id in sorted(case_ids)).encode()).hexdigest()


def recheck_population(*, user, jurisdiction: Unit, period: Period) -> list[Candidate]:
    """Cases the user may see, answered for by a unit of the jurisdiction, closed in the month, not withdrawn.

    Closed without an answer and closed by a supervisor are included: they are exactly the ones worth a
    call. A case drawn that month by an overlapping jurisdiction's sample is not drawn twice.
    """
    units = UnitTree().subtree([jurisdiction.pk])
    rows = (
        cases_visible_to(user)
        .filter(within("closed_at", period), state=CaseState.CLOSED, responsible_unit_id__in=units)
        .exclude(closure=Closure.WITHDRAWN)
        .exclude(rechecks__sample__period=period.label)
        .order_by("pk")
        .values_list("pk", "responsible_unit_id", "assignee_id")
    )
    return [Candidate(case_id=pk, unit_id=unit_id, assignee_id=assignee_id) for pk, unit_id, assignee_id in rows]


def recheck_sample_draw(
    *,
    acting_user,
    period: Period,
    jurisdiction: Unit | None = None,
    rate_percent: int | None = None,
    seed: int | None = None,
) -> RecheckSample:
    """Draw and record the re-check sample of a jurisdiction for a month that is over; once per month."""
    jurisdiction = drawing_jurisdiction(acting_user, jurisdiction)
    rate_percent = default_rate_percent() if rate_percent is None else rate_percent
    if not 1 <= rate_percent <= 100:
        message = _("The rate is a whole percentage from 1 to 100.")
        raise InvalidInput(message, code="rate", fields={"rate_percent": [message]})
    seed = secrets.randbelow(SEED_LIMIT) if seed is None else seed
    if not 0 <= seed < SEED_LIMIT:
        message = _("The seed is a whole number from 0 to 999999999999999.")
        raise InvalidInput(message, code="seed", fields={"seed": [message]})
    now = clock.now()
    if period.end > now:
        message = _("A month can be sampled only once it is over: its closures are not all in yet.")
        raise InvalidInput(message, code="period_not_over", fields={"period": [message]})
    already = _(
        "A re-check sample for %(jurisdiction)s in %(period)s was already drawn; there is one per month. "
        "Open it to record its re-checks."
    ) % {"jurisdiction": jurisdiction.name, "period": period.label}
    if RecheckSample.objects.filter(jurisdiction=jurisdiction, period=period.label).exists():
        raise Conflict(already, code="sample_exists")
    population = recheck_population(user=acting_user, jurisdiction=jurisdiction, period=period)
    if not population:
        raise Conflict(
            _("No case of %(jurisdiction)s was closed in %(period)s, so there is nothing to re-check.")
            % {"jurisdiction": jurisdiction.name, "period": period.label},
            code="empty_population",
        )
    drawn = draw(population, seed=seed, rate_percent=rate_percent)
    try:
        with transaction.atomic():
            sample = RecheckSample.objects.create(
                jurisdiction=jurisdiction,
                period=period.label,
                period_start=period.start,
                period_end=period.end,
                seed=seed,
                rate_percent=rate_percent,
                population_size=len(population),
                population_digest=population_digest(candidate.case_id for candidate in population),
                drawn_by=acting_user,
                drawn_at=now,
            )
            RecheckItem.objects.bulk_create(
                RecheckItem(
                    sample=sample,
                    case_id=candidate.case_id,
                    unit_id=candidate.unit_id,
                    assignee_id=candidate.assignee_id,
                    position=position,
                )
                for position, candidate in enumerate(drawn, start=1)
            )
    except IntegrityError:
        # Another supervisor of the same jurisdiction drew the month a moment ago.
        raise Conflict(already, code="sample_exists") from None
    return sample


# --- recording a result --------------------------------------------------------------------------------------


def recheck_record(
    *,
    item: RecheckItem,
    acting_user,
    method: str,
    result: str,
    note: str = "",
    method_other: str = "",
) -> RecheckItem:
    """Record how a drawn case was re-checked and what was found, once. A failure reopens the case as a new
    cycle (``workflow.services.case_reopen_after_recheck``) in the same transaction; a pass leaves it closed
    and is written to its timeline as an internal event."""
    case = Case.objects.select_related("enterprise").get(pk=item.case_id)
    if not supervises(case, acting_user):
        raise NotPermitted(
            _("Only a supervisor whose jurisdiction covers this case can record its re-check."),
            code="not_supervisor",
        )
    if method not in RecheckMethod.values:
        message = _("Choose how the case was re-checked: by phone, by a visit, or another way.")
        raise InvalidInput(message, code="method", fields={"method": [message]})
    method_other = method_other if method == RecheckMethod.OTHER else ""
    if method == RecheckMethod.OTHER:
        method_other = required_text(
            method_other, "method_other", _("Say how the case was re-checked."), limit=limits.METHOD_OTHER
        )
    if result not in RecheckResult.values:
        message = _("Choose whether the re-check passed or failed.")
        raise InvalidInput(message, code="result", fields={"result": [message]})
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    if result == RecheckResult.FAILED:
        note = required_text(note, "note", _("Say what the re-check found."), limit=limits.NOTE)
    with transaction.atomic():
        item = RecheckItem.objects.select_for_update().get(pk=item.pk)
        if item.result:
            raise Conflict(_("This case's re-check was already recorded."), code="recheck_recorded")
        now = clock.now()
        item.method, item.method_other, item.result, item.note = method, method_other, result, note
        item.checked_by, item.checked_at = acting_user, now
        item.save(update_fields=["method", "method_other", "result", "note", "checked_by", "checked_at"])
        if result == RecheckResult.FAILED:
            case_reopen_after_recheck(case=case, acting_user=acting_user, finding=note, method=method)
        else:
            case_event_record(
                case=case,
                actor=acting_user,
                action=EventAction.RECHECK,
                from_state=case.state,
                note=note,
                data={"method": method, "result": result, "sample": item.sample_id},
                is_internal=True,
                at=now,
            )
    return item
