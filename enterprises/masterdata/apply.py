"""Write a checked plan: all of it in one transaction, in bulk statements of ``CHUNK`` rows, never a query per row.

Units first (created without their parent, then linked, so the file's order does not matter), then
people, their roles, enterprises, contacts, the 包保 periods through ``service_assignments_change`` (the
old period ends, the new one starts, history kept), key projects and their task forces.
"""

from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.translation import gettext as _

from ..models import Enterprise, EnterpriseContact, KeyProject, TaskForceMember, Unit, UnitMembership
from ..services import CHUNK, ServiceChange, service_assignments_change, service_assignments_end
from .plan import Plan
from .workbook import Progress, no_progress


def chunks(items: Sequence) -> Iterable[Sequence]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def deactivate(model: type[models.Model], ids: list[int]) -> None:
    for chunk in chunks(ids):
        model._default_manager.filter(pk__in=chunk).update(is_active=False)


def delete(model: type[models.Model], ids: list[int]) -> None:
    """Rows of links (a role, a contact, a task-force seat) that the file no longer lists."""
    for chunk in chunks(ids):
        model._default_manager.filter(pk__in=chunk).delete()


class Writer:
    def __init__(self, plan: Plan, *, acting_user, progress: Progress) -> None:
        self.plan = plan
        self.existing = plan.existing
        self.acting_user = acting_user
        self.progress = progress
        self.unit_ids = dict(plan.existing.unit_ids)
        self.user_ids = dict(plan.existing.user_ids)
        self.enterprise_ids = dict(plan.existing.enterprise_ids)
        self.project_ids = dict(plan.existing.project_ids)

    def unit_id(self, name: str) -> int | None:
        return self.unit_ids[name] if name else None

    def user_id(self, username: str) -> int | None:
        return self.user_ids[username] if username else None

    def units(self) -> None:
        planned = self.plan.units
        created = Unit.objects.bulk_create(
            (
                Unit(name=name, kind=unit["kind"], is_active=unit["active"])
                for name, unit in planned.items()
                if unit["status"] == "created"
            ),
            batch_size=CHUNK,
        )
        self.unit_ids.update({unit.name: unit.pk for unit in created})
        linked = [
            Unit(
                pk=self.unit_ids[name],
                kind=unit["kind"],
                parent_id=self.unit_id(unit["parent"]),
                is_active=unit["active"],
            )
            for name, unit in planned.items()
            if unit["status"] == "changed" or (unit["status"] == "created" and unit["parent"])
        ]
        Unit.objects.bulk_update(linked, ["kind", "parent", "is_active"], batch_size=CHUNK)
        if self.plan.deactivate_missing:
            deactivate(Unit, [self.unit_ids[name] for name in self.plan.missing_units])

    def people(self) -> None:
        User = get_user_model()
        new = []
        for username, person in self.plan.people.items():
            if person["new"]:
                user = User(username=username, first_name=person["name"], email=person["email"])
                user.is_active = person["active"]
                # Invited later; a workbook never carries a password.
                user.set_unusable_password()
                new.append(user)
        created = User.objects.bulk_create(new, batch_size=CHUNK)
        self.user_ids.update({user.username: user.pk for user in created})
        changed = [
            User(
                pk=self.user_ids[username],
                first_name=person["name"],
                last_name="",
                email=person["email"],
                is_active=person["active"],
            )
            for username, person in self.plan.people.items()
            if person["changed"]
        ]
        User.objects.bulk_update(changed, ["first_name", "last_name", "email", "is_active"], batch_size=CHUNK)
        if self.plan.deactivate_missing:
            acting = getattr(self.acting_user, "username", None)
            missing = [username for username in self.plan.missing_people if username != acting]
            deactivate(User, [self.user_ids[username] for username in missing])

    def memberships(self) -> None:
        plan = self.plan
        delete(UnitMembership, plan.memberships_ended)
        UnitMembership.objects.bulk_create(
            (
                UnitMembership(
                    user_id=self.user_ids[username],
                    unit_id=self.unit_ids[unit],
                    role=role,
                    jurisdiction_id=self.unit_id(jurisdiction),
                )
                for username, unit, role, jurisdiction in plan.memberships_new
            ),
            batch_size=CHUNK,
        )
        UnitMembership.objects.bulk_update(
            [UnitMembership(pk=pk, jurisdiction_id=self.unit_id(name)) for pk, name in plan.memberships_changed],
            ["jurisdiction"],
            batch_size=CHUNK,
        )

    def enterprises(self) -> None:
        planned = self.plan.enterprises

        def row(code: str, enterprise: dict, **extra) -> Enterprise:
            return Enterprise(
                name=enterprise["name"],
                township_id=self.unit_ids[enterprise["township"]],
                industry=enterprise["industry"],
                address=enterprise["address"],
                is_active=enterprise["active"],
                **extra,
            )

        created = Enterprise.objects.bulk_create(
            (row(code, e, credit_code=code) for code, e in planned.items() if e["status"] == "created"),
            batch_size=CHUNK,
        )
        self.enterprise_ids.update({enterprise.credit_code: enterprise.pk for enterprise in created})
        Enterprise.objects.bulk_update(
            [row(code, e, pk=self.enterprise_ids[code]) for code, e in planned.items() if e["status"] == "changed"],
            ["name", "township", "industry", "address", "is_active"],
            batch_size=CHUNK,
        )
        if self.plan.deactivate_missing:
            deactivate(Enterprise, [self.enterprise_ids[code] for code in self.plan.missing_enterprises])

    def contacts(self) -> None:
        plan = self.plan
        delete(EnterpriseContact, plan.contacts_ended)
        EnterpriseContact.objects.bulk_create(
            (
                EnterpriseContact(enterprise_id=self.enterprise_ids[code], user_id=self.user_ids[username], **values)
                for code, username, values in plan.contacts_new
            ),
            batch_size=CHUNK,
        )
        EnterpriseContact.objects.bulk_update(
            [EnterpriseContact(pk=pk, **values) for pk, values in plan.contacts_changed],
            ["phone", "title"],
            batch_size=CHUNK,
        )

    def services(self) -> None:
        changes = [
            ServiceChange(
                enterprise_id=self.enterprise_ids[code],
                unit_id=self.unit_ids[service["unit"]],
                cadre_id=self.user_id(service["cadre"]),
                leader_id=self.user_id(service["leader"]),
                local_contact_id=self.user_id(service["local_contact"]),
            )
            for code, service in self.plan.services.items()
            if service["status"] != "unchanged"
        ]
        if changes:
            service_assignments_change(
                changes=changes, changed_by=self.acting_user, note=_("Master data imported from a workbook")
            )
        if self.plan.deactivate_missing and self.plan.missing_services:
            service_assignments_end(enterprise_ids=[self.enterprise_ids[code] for code in self.plan.missing_services])

    def projects(self) -> None:
        planned = self.plan.projects

        def row(key: tuple[str, str], project: dict, **extra) -> KeyProject:
            return KeyProject(
                stage=project["stage"],
                leader_id=self.user_ids[project["leader"]],
                description=project["description"],
                is_active=project["active"],
                **extra,
            )

        created = KeyProject.objects.bulk_create(
            (
                row(key, p, name=key[1], enterprise_id=self.enterprise_ids[key[0]])
                for key, p in planned.items()
                if p["status"] == "created"
            ),
            batch_size=CHUNK,
        )
        codes = {pk: code for code, pk in self.enterprise_ids.items()}
        self.project_ids.update({(codes[project.enterprise_id], project.name): project.pk for project in created})
        KeyProject.objects.bulk_update(
            [row(key, p, pk=self.project_ids[key]) for key, p in planned.items() if p["status"] == "changed"],
            ["stage", "leader", "description", "is_active"],
            batch_size=CHUNK,
        )
        if self.plan.deactivate_missing:
            deactivate(KeyProject, [self.project_ids[key] for key in self.plan.missing_projects])

    def seats(self) -> None:
        plan = self.plan
        delete(TaskForceMember, plan.seats_ended)

        def values(seat: dict) -> dict:
            return {"level": seat["level"], "unit_id": self.unit_id(seat["unit"]), "duty": seat["duty"]}

        TaskForceMember.objects.bulk_create(
            (
                TaskForceMember(project_id=self.project_ids[project], user_id=self.user_ids[username], **values(seat))
                for project, username, seat in plan.seats_new
            ),
            batch_size=CHUNK,
        )
        TaskForceMember.objects.bulk_update(
            [TaskForceMember(pk=pk, **values(seat)) for pk, seat in plan.seats_changed],
            ["level", "unit", "duty"],
            batch_size=CHUNK,
        )


def apply_plan(plan: Plan, *, acting_user=None, progress: Progress = no_progress) -> None:
    """Write what the plan says, or nothing: a plan with problems is refused, any error rolls everything back."""
    if plan.problems:
        raise ValueError("A plan with problems cannot be applied.")
    writer = Writer(plan, acting_user=acting_user, progress=progress)
    steps = (
        writer.units,
        writer.people,
        writer.memberships,
        writer.enterprises,
        writer.contacts,
        writer.services,
        writer.projects,
        writer.seats,
    )
    with transaction.atomic():
        for done, step in enumerate(steps):
            progress(_("Writing"), done, len(steps))
            step()
    progress(_("Writing"), len(steps), len(steps))
