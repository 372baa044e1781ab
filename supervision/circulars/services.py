"""One service per action on an overdue circular: create, edit, regenerate, publish, delete.

Each runs in one transaction, re-reads the row with a lock, refuses a published
circular (409) and a stale copy (409), and checks on the server that the user
supervises the circular's jurisdiction. Publishing takes the next number of the
year and creates the notifications to the units it names in that same transaction.
"""

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition
from enterprises.access import UnitTree
from enterprises.models import Role, Unit, UnitMembership
from notifications.services import Message, notifications_create_many
from workflow import clock
from workflow.selectors import work_calendar

from ..rates.periods import Period
from .models import Circular, CircularNumberSequence, CircularPublished
from .permissions import ensure_supervises, may_prepare_circulars
from .snapshot import (
    circular_content,
    circular_number,
    circular_period,
    default_introduction,
    default_requirements,
    default_title,
    named_units,
    period_text,
    unit_facts,
)

DEFAULT_WORST_COUNT = 3
MAX_WORST_COUNT = 20


def _checked_worst_count(value: int | None) -> int:
    if value is None:
        return DEFAULT_WORST_COUNT
    if not 1 <= value <= MAX_WORST_COUNT:
        message = _("Name between 1 and %(max)d units per tier.") % {"max": MAX_WORST_COUNT}
        raise InvalidInput(message, code="worst_count", fields={"worst_count": [message]})
    return value


def _supervision_of(user: User, jurisdiction: Unit | None) -> tuple[Unit, Unit]:
    """The jurisdiction the circular covers and the office that issues it.

    Without a choice, the user's one jurisdiction; a supervisor of several must choose.
    The issuer is the supervision unit whose membership covers the jurisdiction.
    """
    if not may_prepare_circulars(user):
        raise NotPermitted(_("Only supervisors prepare circulars."), code="not_supervisor")
    memberships = list(
        UnitMembership.objects.filter(user=user, role=Role.SUPERVISOR).select_related("unit", "jurisdiction")
    )
    if jurisdiction is None:
        roots = {membership.jurisdiction or membership.unit for membership in memberships}
        if len(roots) != 1:
            message = _("Choose the jurisdiction the circular covers.")
            raise InvalidInput(message, code="jurisdiction", fields={"jurisdiction": [message]})
        jurisdiction = roots.pop()
    ensure_supervises(user, jurisdiction.pk)
    tree = UnitTree()
    for membership in memberships:
        if jurisdiction.pk in tree.subtree([membership.jurisdiction_id or membership.unit_id]):
            return jurisdiction, membership.unit
    return jurisdiction, jurisdiction  # a superuser without a supervision membership issues in its name


def _jurisdiction_scope(circular: Circular) -> frozenset[int]:
    return UnitTree().subtree([circular.jurisdiction_id])


def _refresh_content(circular: Circular, *, acting_user: User, now: datetime) -> None:
    circular.content = circular_content(
        acting_user=acting_user,
        jurisdiction=circular.jurisdiction,
        scope=_jurisdiction_scope(circular),
        period=_circular_period_of(circular),
        worst_count=circular.worst_count,
        now=now,
        calendar=work_calendar(),
    )
    circular.summary = circular.content["summary"]
    circular.generated_at = now


def _circular_period_of(circular: Circular) -> Period:
    return Period(label=circular.period_label, start=circular.period_start, end=circular.period_end)


def circular_create(
    *,
    acting_user: User,
    period: str | None = None,
    start: date | None = None,
    end: date | None = None,
    jurisdiction: Unit | None = None,
    worst_count: int | None = None,
) -> Circular:
    """A supervisor generates a draft for a period of their jurisdiction, with default wording to edit."""
    jurisdiction, issuer = _supervision_of(acting_user, jurisdiction)
    worst_count = _checked_worst_count(worst_count)
    now = clock.now()
    chosen = circular_period(text=period, start=start, end=end, now=now)
    circular = Circular(
        jurisdiction=jurisdiction,
        issuing_unit=issuer,
        period_kind=chosen.kind,
        period_label=chosen.period.label,
        period_start=chosen.period.start,
        period_end=chosen.period.end,
        worst_count=worst_count,
        title=default_title(chosen.kind, chosen.period.start, chosen.period.end),
        introduction=default_introduction(chosen.kind, chosen.period.start, chosen.period.end, jurisdiction),
        requirements=default_requirements(),
        created_by=acting_user,
        created_at=now,
        updated_at=now,
    )
    with transaction.atomic():
        _refresh_content(circular, acting_user=acting_user, now=now)
        circular.save()
    return circular


def _locked_draft(circular: Circular, *, acting_user: User, version: int) -> Circular:
    """The current row, locked until commit: a supervisor of its jurisdiction's, a draft, and not changed since
    ``version``, the copy the user read: every change of a draft names it, so an older copy changes nothing."""
    current = Circular.objects.select_for_update().select_related("jurisdiction").get(pk=circular.pk)
    ensure_supervises(acting_user, current.jurisdiction_id)
    if current.is_published:
        raise CircularPublished()
    if current.version != version:
        raise Conflict(
            _("Someone else changed this circular a moment ago. Reload it and try again."), code="stale_circular"
        )
    return current


def _checked_unit_comments(current: Circular, comments: dict) -> dict[str, str]:
    """Comments only for units the circular names; an empty comment removes the unit's comment."""
    named = named_units(current.content)
    merged = dict(current.unit_comments)
    for key, text in comments.items():
        try:
            unit_id = int(key)
        except (TypeError, ValueError):
            unit_id = None
        if unit_id not in named:
            message = _("The circular does not name unit %(unit)s; comment only on the units it names.") % {"unit": key}
            raise InvalidInput(message, code="unit_not_named", fields={"unit_comments": [message]})
        text = limits.checked_text(text, field="unit_comments", limit=limits.NOTE)
        if text:
            merged[str(unit_id)] = text
        else:
            merged.pop(str(unit_id), None)
    return merged


def circular_update(
    *,
    circular: Circular,
    acting_user: User,
    version: int,
    title: str | None = None,
    introduction: str | None = None,
    requirements: str | None = None,
    unit_comments: dict | None = None,
) -> Circular:
    """Edit the wording of a draft; ``version`` is the copy the editor read, a newer row refuses it."""
    with transaction.atomic():
        current = _locked_draft(circular, acting_user=acting_user, version=version)
        if title is not None:
            title = title.strip()
            if not title or len(title) > limits.TITLE:
                message = _("A circular needs a title of at most %(max)d characters.") % {"max": limits.TITLE}
                raise InvalidInput(message, code="title", fields={"title": [message]})
            current.title = title
        if introduction is not None:
            current.introduction = limits.checked_text(introduction, field="introduction", limit=limits.CIRCULAR_TEXT)
        if requirements is not None:
            current.requirements = limits.checked_text(requirements, field="requirements", limit=limits.CIRCULAR_TEXT)
        if unit_comments is not None:
            current.unit_comments = _checked_unit_comments(current, unit_comments)
        current.version += 1
        current.updated_at = clock.now()
        current.save()
    return current


def circular_regenerate(
    *, circular: Circular, acting_user: User, version: int, worst_count: int | None = None
) -> Circular:
    """Take the figures of a draft anew, as of now; comments on units it no longer names are dropped. ``version``
    is the copy the supervisor read: a draft a colleague changed since is refused (409), not overwritten."""
    with transaction.atomic():
        current = _locked_draft(circular, acting_user=acting_user, version=version)
        if worst_count is not None:
            current.worst_count = _checked_worst_count(worst_count)
        now = clock.now()
        _refresh_content(current, acting_user=acting_user, now=now)
        named = named_units(current.content)
        current.unit_comments = {key: text for key, text in current.unit_comments.items() if int(key) in named}
        current.version += 1
        current.updated_at = now
        current.save()
    return current


def circular_delete(*, circular: Circular, acting_user: User, version: int) -> None:
    """A draft that will not be published is deleted; a published circular stays for good. ``version`` is the copy
    the supervisor read: a draft a colleague changed since is refused (409), not deleted."""
    with transaction.atomic():
        current = _locked_draft(circular, acting_user=acting_user, version=version)
        current.delete()


def circular_publish(*, circular: Circular, acting_user: User, version: int) -> Circular:
    """Number the draft (督办通报〔year〕第N期, N the next of the year of issue), freeze it, tell the units it names.

    ``version`` is the copy the supervisor reviewed: a draft edited or regenerated since is refused (409), so
    nobody publishes figures or wording they have not seen. The sequence row's lock makes concurrent publishes
    take turns, and the unique (year, sequence) constraint backs it; the notifications commit with the number.
    """
    with transaction.atomic():
        current = _locked_draft(circular, acting_user=acting_user, version=version)
        now = clock.now()
        year = timezone.localtime(now).year
        logged_transition(
            current.publish,
            acting_user=acting_user,
            year=year,
            sequence=CircularNumberSequence.allocate(year),
            by=acting_user,
            at=now,
        )
        current.version += 1
        current.updated_at = now
        current.save()
        _notify_named_units(current)
    return current


_lazy_number = lazy(circular_number, str)
_lazy_period_text = lazy(period_text, str)


def _notify_named_units(circular: Circular) -> None:
    """The heads of every unit the circular names hear about it, each with what it says about their unit."""
    named = named_units(circular.content)
    if not named:
        return
    facts = unit_facts(circular.content)
    heads: dict[int, list] = {unit_id: [] for unit_id in named}
    for membership in UnitMembership.objects.filter(
        unit_id__in=named, role=Role.UNIT_HEAD, user__is_active=True
    ).select_related("user"):
        heads[membership.unit_id].append(membership.user)
    link = reverse("api:circular-detail", kwargs={"pk": circular.pk})
    # Rendered later in each recipient's language, so the number and period are lazy.
    number = _lazy_number(circular.year, circular.sequence)
    when = _lazy_period_text(circular.period_kind, circular.period_start, circular.period_end)
    items = [
        (
            recipients,
            Message(
                kind="circular_published",
                key=f"circular:{circular.pk}:published:unit{unit_id}",
                about=f"circular:{circular.pk}",
                link=link,
                context={
                    "number": number,
                    "title": circular.title,
                    "period": when,
                    "unit": named[unit_id],
                    "comment": circular.unit_comments.get(str(unit_id), ""),
                    **facts.get(unit_id, {}),
                },
            ),
        )
        for unit_id, recipients in heads.items()
        if recipients
    ]
    notifications_create_many(items=items)
