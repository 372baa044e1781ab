"""Seed a demo district: units, people, enterprises under 三级包保, and about two hundred cases.

The district and its stories are in ``workflow.demo``; this command refuses to seed over part of a demo,
runs it in one transaction, and prints what there is and the demo accounts.
"""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case, CaseState, Closure, resolution_overdue_q
from enterprises.models import Enterprise, Role, Unit
from workflow.demo.district import (
    ADMIN,
    CONTACT,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    INDUSTRY_BUREAU,
    demo_data_exists,
    unit_names,
)
from workflow.demo.seed import demo_seed, planner_statistics_update

# Read from this command by the seeds' tests, which name the demo's accounts and its bureau.
__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "INDUSTRY_BUREAU", "Command"]


class Command(BaseCommand):
    help = f"Create a demo district with units, people, enterprises and cases (password {DEMO_PASSWORD})."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, quiet: bool = False, **options) -> None:
        if demo_data_exists():
            if not quiet:
                self.stdout.write("The demo data is already there; nothing changed.")
                self.write_summary()
            return
        usernames = [account.username for account in DEMO_ACCOUNTS]
        if User.objects.filter(username__in=usernames).exists() or Unit.objects.filter(name__in=unit_names()).exists():
            raise CommandError(
                "Some demo accounts or units already exist, but not the demo district. Seed an empty database."
            )
        with transaction.atomic():
            demo_seed()
        planner_statistics_update()
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
            self.write_summary()

    def write_summary(self) -> None:
        now = timezone.now()
        counts = Case.objects.aggregate(
            total=Count("pk"),
            returned=Count("pk", filter=Q(state=CaseState.OPENED, sent_back_at__isnull=False)),
            overdue=Count("pk", filter=resolution_overdue_q(now)),
            signed_for=Count("pk", filter=Q(state=CaseState.ASSIGNED, accepted_at__isnull=False)),
            **{closure: Count("pk", filter=Q(closure=closure)) for closure in Closure.values},
        )
        by_state = dict(Case.objects.values("state").annotate(count=Count("pk")).values_list("state", "count"))
        details: dict[str, str] = {
            CaseState.OPENED: f"{counts['returned']} sent back",
            CaseState.ASSIGNED: f"{counts['signed_for']} signed for, {counts['overdue']} overdue",
            CaseState.CLOSED: ", ".join(f"{counts[closure]} {closure}" for closure in Closure.values),
        }
        write = self.stdout.write
        write(
            f"{Unit.objects.count()} units, {Enterprise.objects.count()} enterprises, "
            f"{User.objects.count()} users, {counts['total']} cases:"
        )
        for state in CaseState.values:
            detail = f"  ({details[state]})" if state in details else ""
            write(f"  {state:<10}{by_state.get(state, 0):>4}{detail}")
        write(f"Demo accounts, password {DEMO_PASSWORD}:")
        for account in DEMO_ACCOUNTS:
            if account.role == ADMIN:
                role = "superuser"
            elif account.role == CONTACT:
                role = "enterprise contact"
            else:
                role = Role(account.role).name.lower()
            write(f"  {account.username:<12}{role:<20}{account.name}  {account.place}".rstrip())
