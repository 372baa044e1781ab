"""Writes of the re-check: draw a month's sample, record how a drawn case was re-checked and what was found."""

import secrets

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.models import Case, EventAction
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.limits import required_text
from enterprises.access import roles_for_user
from enterprises.models import Unit
from workflow import clock
from workflow.services import case_reopen_after_recheck
from workflow.services.shared import case_event_record

from ..rates.periods import Period
from .models import RecheckItem, RecheckMethod, RecheckResult, RecheckSample
from .permissions import ensure_may_draw, may_record_recheck
from .sampling import SEED_LIMIT, default_rate_percent, draw, population_digest
from .selectors import recheck_jurisdictions, recheck_population


def _drawing_jurisdiction(user: User, requested: Unit | None) -> Unit:
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


def recheck_sample_draw(
    *,
    acting_user: User,
    period: Period,
    jurisdiction: Unit | None = None,
    rate_percent: int | None = None,
    seed: int | None = None,
) -> RecheckSample:
    """Draw and record the re-check sample of a jurisdiction for a month that is over; once per month."""
    jurisdiction = _drawing_jurisdiction(acting_user, jurisdiction)
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


def recheck_record(
    *,
    item: RecheckItem,
    acting_user: User,
    method: str,
    result: str,
    note: str = "",
    method_other: str = "",
) -> RecheckItem:
    """Record how a drawn case was re-checked and what was found, once. A failure reopens the case as a new
    cycle (``workflow.services.case_reopen_after_recheck``) in the same transaction; a pass leaves it closed
    and is written to its timeline as an internal event."""
    case = Case.objects.select_related("enterprise").get(pk=item.case_id)
    if not may_record_recheck(case, acting_user):
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
