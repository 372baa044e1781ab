"""The differences between a checked workbook and the database, once nothing is wrong with the workbook:
what each sheet creates, changes, ends or leaves out, into the plan's reports and its writes."""

from django.utils.translation import gettext as _

from .existing import Existing
from .plan import Change, Plan, SheetReport, describe, listing, shown_bool
from .schema import (
    CONTACTS,
    ENTERPRISES,
    LEVELS,
    PEOPLE,
    PROJECTS,
    ROLES,
    SERVICE,
    STAGES,
    TASK_FORCE,
    UNIT_KINDS,
    UNITS,
    Sheet,
)


class Comparison:
    """Compares the planner's checked rows (the plan's rows, and the roles, contacts and task-force seats the
    planner gathered) with what the database holds."""

    def __init__(
        self,
        existing: Existing,
        plan: Plan,
        *,
        roles: dict[str, dict[tuple[str, str], tuple[str, int]]],
        contacts: dict[str, dict[str, dict]],
        seats: dict[tuple[str, str], dict[str, dict]],
    ) -> None:
        self.existing = existing
        self.plan = plan
        self.roles = roles
        self.contacts = contacts
        self.seats = seats
        self.account_changes: dict[str, str] = {}

    def compare(self) -> None:
        """Every sheet's changes into the plan's reports, and what ``apply_plan`` must write."""
        self.compare_units()
        self.compare_people()
        self.compare_enterprises()
        self.compare_contacts()
        self.compare_services()
        self.compare_projects()
        self.compare_seats()

    def compare_rows(self, sheet: Sheet, planned: dict, existing: dict, fields: tuple, label, shown=None) -> None:
        """Created, changed or unchanged, for the rows of a sheet of things with a natural key; each planned
        row gets its ``status`` for ``apply_plan``."""
        report = self.plan.reports[sheet.key]
        for key, values in planned.items():
            after = {name: values[name] for name in fields}
            if key not in existing:
                values["status"] = "created"
                report.created.append(Change(values["row"], label(key, values)))
            elif existing[key] != after:
                values["status"] = "changed"
                detail = describe(sheet, existing[key], after, shown)
                report.changed.append(Change(values["row"], label(key, values), detail))
            else:
                values["status"] = "unchanged"
                report.unchanged += 1

    def compare_units(self) -> None:
        shown = {"kind": lambda kind: UNIT_KINDS.label_of(kind) if kind else "—", "active": shown_bool}
        existing = self.existing.units
        self.compare_rows(UNITS, self.plan.units, existing, ("kind", "parent", "active"), lambda name, _u: name, shown)
        for name, unit in sorted(existing.items()):
            if name not in self.plan.units and unit["active"]:
                self.plan.reports["units"].missing.append(Change(None, name))
                self.plan.missing_units.append(name)

    def compare_accounts(self) -> None:
        """Which usernames are new accounts, and what changes in the others (name, e-mail, active)."""
        for username, person in self.plan.people.items():
            before = self.existing.users.get(username)
            after = {"name": person["name"], "email": person["email"], "active": person["active"]}
            person["new"] = before is None
            person["changed"] = before is not None and before != after
            if before is not None and person["changed"]:
                self.account_changes[username] = describe(person["sheet"], before, after, {"active": shown_bool})

    def row_change(self, statuses: dict, sheet: Sheet, number: int, status: str, key: str, detail: str = "") -> None:
        """One row's outcome; a person's account change joins the row that first names them."""
        username = key.split(" · ")[0] if sheet is PEOPLE else key.split(" · ")[1]
        person = self.plan.people[username]
        if person["sheet"] is sheet and person["row"] == number:
            if person["new"]:
                detail = "；".join(filter(None, [_("new account"), detail]))
                status = "created"
            elif username in self.account_changes:
                detail = "；".join(filter(None, [self.account_changes[username], detail]))
                status = "changed" if status == "unchanged" else status
        statuses[number] = (status, key, detail)

    @staticmethod
    def flush(report: SheetReport, statuses: dict) -> None:
        for number, (status, key, detail) in sorted(statuses.items()):
            if status == "unchanged":
                report.unchanged += 1
            else:
                getattr(report, status).append(Change(number, key, detail))

    def compare_people(self) -> None:
        self.compare_accounts()
        existing, report = self.existing, self.plan.reports["people"]
        statuses: dict[int, tuple[str, str, str]] = {}
        for username, roles in self.roles.items():
            held = existing.memberships.get(username, {})
            for (unit, role), (jurisdiction, number) in roles.items():
                key = f"{username} · {unit} · {ROLES.label_of(role)}"
                if (unit, role) not in held:
                    self.plan.memberships_new.append((username, unit, role, jurisdiction))
                    self.row_change(statuses, PEOPLE, number, "created", key)
                elif held[unit, role][1] != jurisdiction:
                    self.plan.memberships_changed.append((held[unit, role][0], jurisdiction))
                    before, after = {"jurisdiction": held[unit, role][1]}, {"jurisdiction": jurisdiction}
                    self.row_change(statuses, PEOPLE, number, "changed", key, describe(PEOPLE, before, after))
                else:
                    self.row_change(statuses, PEOPLE, number, "unchanged", key)
            for (unit, role), (pk, _jurisdiction) in sorted(held.items()):
                if (unit, role) not in roles:
                    self.plan.memberships_ended.append(pk)
                    report.ended.append(Change(None, f"{username} · {unit} · {ROLES.label_of(role)}"))
        # A row without unit and role only names its person.
        for username, person in self.plan.people.items():
            if person["sheet"] is PEOPLE and person["row"] not in statuses:
                self.row_change(statuses, PEOPLE, person["row"], "unchanged", username)
        self.flush(report, statuses)
        mentioned = set(self.plan.people)
        for service in self.plan.services.values():
            mentioned.update((service["leader"], service["cadre"], service["local_contact"]))
        mentioned.update(project["leader"] for project in self.plan.projects.values())
        mentioned.update(username for seats in self.seats.values() for username in seats)
        for username in sorted(existing.people_in_scope() - mentioned):
            if not existing.users[username]["active"]:
                continue
            if username in existing.superusers:
                report.missing.append(Change(None, username, _("superuser: never deactivated by an import")))
            else:
                report.missing.append(Change(None, username, existing.users[username]["name"]))
                self.plan.missing_people.append(username)

    def compare_enterprises(self) -> None:
        existing = self.existing.enterprises
        fields = ("name", "township", "industry", "address", "active")
        label = lambda code, enterprise: f"{code} {enterprise['name']}"  # noqa: E731
        self.compare_rows(ENTERPRISES, self.plan.enterprises, existing, fields, label, {"active": shown_bool})
        for code, enterprise in sorted(existing.items()):
            if code not in self.plan.enterprises and enterprise["active"]:
                self.plan.reports["enterprises"].missing.append(Change(None, label(code, enterprise)))
                self.plan.missing_enterprises.append(code)

    def compare_contacts(self) -> None:
        report = self.plan.reports["contacts"]
        statuses: dict[int, tuple[str, str, str]] = {}
        # The sheet is the whole list of contacts of the enterprises it or the 企业 sheet names.
        for code in sorted(set(self.plan.enterprises) | set(self.contacts)):
            held = self.existing.contacts.get(code, {})
            listed = self.contacts.get(code, {})
            for username, contact in listed.items():
                after = {"phone": contact["phone"], "title": contact["title"]}
                key = f"{code} · {username}"
                if username not in held:
                    self.plan.contacts_new.append((code, username, after))
                    self.row_change(statuses, CONTACTS, contact["row"], "created", key)
                elif held[username][1] != after:
                    self.plan.contacts_changed.append((held[username][0], after))
                    detail = describe(CONTACTS, held[username][1], after)
                    self.row_change(statuses, CONTACTS, contact["row"], "changed", key, detail)
                else:
                    self.row_change(statuses, CONTACTS, contact["row"], "unchanged", key)
            for username, (pk, _values) in sorted(held.items()):
                if username not in listed:
                    self.plan.contacts_ended.append(pk)
                    report.ended.append(Change(None, f"{code} · {username}"))
        self.flush(report, statuses)

    def compare_services(self) -> None:
        existing = self.existing.services
        fields = ("leader", "unit", "cadre", "local_contact")
        self.compare_rows(SERVICE, self.plan.services, existing, fields, lambda code, _service: code)
        for code, service in sorted(existing.items()):
            enterprise = self.plan.enterprises.get(code) or self.existing.enterprises[code]
            if code not in self.plan.services and enterprise["active"]:
                self.plan.reports["service"].missing.append(Change(None, code, listing(SERVICE, service)))
                self.plan.missing_services.append(code)

    def compare_projects(self) -> None:
        shown = {"stage": lambda stage: STAGES.label_of(stage) if stage else "—", "active": shown_bool}
        existing = self.existing.projects
        fields = ("stage", "leader", "description", "active")
        label = lambda key, _project: f"{key[1]} · {key[0]}"  # noqa: E731
        self.compare_rows(PROJECTS, self.plan.projects, existing, fields, label, shown)
        for key, project in sorted(existing.items()):
            if key not in self.plan.projects and project["active"]:
                self.plan.reports["projects"].missing.append(Change(None, label(key, project)))
                self.plan.missing_projects.append(key)

    def compare_seats(self) -> None:
        report = self.plan.reports["task_force"]
        shown = {"level": lambda level: LEVELS.label_of(level) if level else "—"}
        for project in sorted(set(self.plan.projects) | set(self.seats)):
            held = self.existing.seats.get(project, {})
            listed = self.seats.get(project, {})
            for username, seat in listed.items():
                after = {"level": seat["level"], "unit": seat["unit"], "duty": seat["duty"]}
                key = f"{project[1]} · {username}"
                if username not in held:
                    self.plan.seats_new.append((project, username, after))
                    report.created.append(Change(seat["row"], key))
                elif held[username][1] != after:
                    self.plan.seats_changed.append((held[username][0], after))
                    detail = describe(TASK_FORCE, held[username][1], after, shown)
                    report.changed.append(Change(seat["row"], key, detail))
                else:
                    report.unchanged += 1
            for username, (pk, _values) in sorted(held.items()):
                if username not in listed:
                    self.plan.seats_ended.append(pk)
                    report.ended.append(Change(None, f"{project[1]} · {username}"))
