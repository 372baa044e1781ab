"""Check a workbook against the database and say what importing it would change, without writing anything.

Everything is decided in memory over natural keys (unit name, username, credit code, project name and
enterprise): the database is read once, eight queries whatever the size of the file, and the workbook's
rows are compared with what it holds. The result is a ``Plan``: the problems (if any, nothing may be
written), the changes sheet by sheet for a person to read, and what ``apply.apply_plan`` must write.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..credit_code import validate_credit_code
from ..models import (
    LOCAL_UNIT_KINDS,
    Enterprise,
    EnterpriseContact,
    KeyProject,
    Role,
    ServiceAssignment,
    TaskForceMember,
    Unit,
    UnitMembership,
)
from .schema import (
    CONTACTS,
    ENTERPRISES,
    LEVELS,
    PEOPLE,
    PROJECTS,
    ROLES,
    SERVICE,
    SHEETS,
    STAGES,
    TASK_FORCE,
    UNIT_KINDS,
    UNITS,
    Sheet,
    parse_yes_no,
    yes_no,
)
from .workbook import Problem, Progress, Row, no_progress

OVERSEER_ROLES = (Role.SUPERVISOR, Role.LEADER)
SERVING_ROLES = (Role.CADRE, Role.UNIT_HEAD)
username_validator = UnicodeUsernameValidator()


# --- what the database holds, by natural key ------------------------------------------------------------------


@dataclass
class Existing:
    """The database's master data by natural key, read in a fixed number of queries."""

    unit_ids: dict[str, int]
    units: dict[str, dict]
    user_ids: dict[str, int]
    users: dict[str, dict]
    superusers: set[str]
    memberships: dict[str, dict[tuple[str, str], tuple[int, str]]]
    enterprise_ids: dict[str, int]
    enterprises: dict[str, dict]
    contacts: dict[str, dict[str, tuple[int, dict]]]
    services: dict[str, dict]
    project_ids: dict[tuple[str, str], int]
    projects: dict[tuple[str, str], dict]
    seats: dict[tuple[str, str], dict[str, tuple[int, dict]]]

    @classmethod
    def load(cls) -> "Existing":
        unit_rows = list(Unit.objects.values_list("id", "name", "kind", "parent_id", "is_active"))
        unit_names = {row[0]: row[1] for row in unit_rows}
        units = {
            name: {"kind": kind, "parent": unit_names.get(parent_id, ""), "active": is_active}
            for _id, name, kind, parent_id, is_active in unit_rows
        }
        user_rows = list(
            get_user_model().objects.values_list(
                "id", "username", "first_name", "last_name", "email", "is_active", "is_superuser"
            )
        )
        usernames = {row[0]: row[1] for row in user_rows}
        users = {
            username: {"name": f"{first} {last}".strip(), "email": email, "active": is_active}
            for _id, username, first, last, email, is_active, _superuser in user_rows
        }
        memberships: dict[str, dict[tuple[str, str], tuple[int, str]]] = defaultdict(dict)
        for pk, user_id, unit_id, role, jurisdiction_id in UnitMembership.objects.values_list(
            "id", "user_id", "unit_id", "role", "jurisdiction_id"
        ):
            memberships[usernames[user_id]][unit_names[unit_id], role] = (pk, unit_names.get(jurisdiction_id, ""))
        enterprise_rows = list(
            Enterprise.objects.values_list(
                "id", "credit_code", "name", "township_id", "industry", "address", "is_active"
            )
        )
        enterprise_codes = {row[0]: row[1] for row in enterprise_rows}
        contacts: dict[str, dict[str, tuple[int, dict]]] = defaultdict(dict)
        for pk, enterprise_id, user_id, phone, title in EnterpriseContact.objects.values_list(
            "id", "enterprise_id", "user_id", "phone", "title"
        ):
            contacts[enterprise_codes[enterprise_id]][usernames[user_id]] = (pk, {"phone": phone, "title": title})
        services = {
            enterprise_codes[enterprise_id]: {
                "leader": usernames.get(leader_id, ""),
                "unit": unit_names[unit_id],
                "cadre": usernames.get(cadre_id, ""),
                "local_contact": usernames.get(contact_id, ""),
            }
            for enterprise_id, leader_id, unit_id, cadre_id, contact_id in ServiceAssignment.objects.filter(
                ended_at__isnull=True
            ).values_list("enterprise_id", "leader_id", "unit_id", "cadre_id", "local_contact_id")
        }
        project_rows = list(
            KeyProject.objects.values_list(
                "id", "name", "enterprise_id", "stage", "leader_id", "description", "is_active"
            )
        )
        project_keys = {row[0]: (enterprise_codes[row[2]], row[1]) for row in project_rows}
        seats: dict[tuple[str, str], dict[str, tuple[int, dict]]] = defaultdict(dict)
        for pk, project_id, user_id, level, unit_id, duty in TaskForceMember.objects.values_list(
            "id", "project_id", "user_id", "level", "unit_id", "duty"
        ):
            seats[project_keys[project_id]][usernames[user_id]] = (
                pk,
                {"level": level, "unit": unit_names.get(unit_id, ""), "duty": duty},
            )
        return cls(
            unit_ids={name: pk for pk, name in unit_names.items()},
            units=units,
            user_ids={username: pk for pk, username in usernames.items()},
            users=users,
            superusers={row[1] for row in user_rows if row[6]},
            memberships=memberships,
            enterprise_ids={code: pk for pk, code in enterprise_codes.items()},
            enterprises={
                code: {
                    "name": name,
                    "township": unit_names[township_id],
                    "industry": industry,
                    "address": address,
                    "active": is_active,
                }
                for _id, code, name, township_id, industry, address, is_active in enterprise_rows
            },
            contacts=contacts,
            services=services,
            project_ids={project_keys[row[0]]: row[0] for row in project_rows},
            projects={
                project_keys[pk]: {
                    "stage": stage,
                    "leader": usernames[leader_id],
                    "description": description,
                    "active": is_active,
                }
                for pk, _name, _enterprise, stage, leader_id, description, is_active in project_rows
            },
            seats=seats,
        )

    def people_in_scope(self) -> set[str]:
        """The people an export holds (export.masterdata_people), from what is loaded already."""
        found = set(self.memberships)
        found.update(username for contacts in self.contacts.values() for username in contacts)
        for service in self.services.values():
            found.update((service["leader"], service["cadre"], service["local_contact"]))
        found.update(project["leader"] for project in self.projects.values())
        found.update(username for seats in self.seats.values() for username in seats)
        found.discard("")
        return found


# --- what the plan says -------------------------------------------------------------------------------------------


@dataclass
class Change:
    """One line of the preview: the row (None for what the file leaves out), what it is, what changes."""

    row: int | None
    key: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "key": self.key, "detail": self.detail}


@dataclass
class SheetReport:
    created: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    ended: list[Change] = field(default_factory=list)
    missing: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.changed) + len(self.ended)


@dataclass
class Plan:
    """What importing the workbook would do. Writes are lists of (natural key, values) for ``apply_plan``."""

    existing: Existing
    deactivate_missing: bool
    problems: list[Problem] = field(default_factory=list)
    reports: dict[str, SheetReport] = field(default_factory=lambda: {sheet.key: SheetReport() for sheet in SHEETS})
    units: dict[str, dict] = field(default_factory=dict)
    people: dict[str, dict] = field(default_factory=dict)
    memberships_new: list[tuple[str, str, str, str]] = field(default_factory=list)
    memberships_changed: list[tuple[int, str]] = field(default_factory=list)
    memberships_ended: list[int] = field(default_factory=list)
    enterprises: dict[str, dict] = field(default_factory=dict)
    contacts_new: list[tuple[str, str, dict]] = field(default_factory=list)
    contacts_changed: list[tuple[int, dict]] = field(default_factory=list)
    contacts_ended: list[int] = field(default_factory=list)
    services: dict[str, dict] = field(default_factory=dict)
    projects: dict[tuple[str, str], dict] = field(default_factory=dict)
    seats_new: list[tuple[tuple[str, str], str, dict]] = field(default_factory=list)
    seats_changed: list[tuple[int, dict]] = field(default_factory=list)
    seats_ended: list[int] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    missing_people: list[str] = field(default_factory=list)
    missing_enterprises: list[str] = field(default_factory=list)
    missing_projects: list[tuple[str, str]] = field(default_factory=list)
    missing_services: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        if any(report.changes for report in self.reports.values()):
            return True
        missing = (
            self.missing_units,
            self.missing_people,
            self.missing_enterprises,
            self.missing_projects,
            self.missing_services,
        )
        return self.deactivate_missing and any(missing)

    def summary(self) -> list[dict]:
        """Counts per sheet, for the command's table and the page."""
        return [
            {
                "sheet": sheet.title,
                "created": len(report.created),
                "changed": len(report.changed),
                "ended": len(report.ended),
                "missing": len(report.missing),
                "unchanged": report.unchanged,
            }
            for sheet in SHEETS
            for report in (self.reports[sheet.key],)
        ]


def describe(sheet: Sheet, before: dict, after: dict, shown: dict | None = None) -> str:
    """``上级单位：A → B；是否启用：是 → 否`` for the fields that differ, under the sheet's headers."""
    headers = {column.key: column.header for column in sheet.columns}
    shown = shown or {}
    parts = []
    for key, value in after.items():
        if before.get(key) != value:
            show = shown.get(key, lambda text: "—" if text in ("", None) else str(text))
            parts.append(f"{headers.get(key, key)}：{show(before.get(key))} → {show(value)}")
    return "；".join(parts)


def listing(sheet: Sheet, values: dict) -> str:
    """``责任单位：A；包联干部：b`` for the fields that have a value."""
    headers = {column.key: column.header for column in sheet.columns}
    return "；".join(f"{headers[key]}：{value}" for key, value in values.items() if value)


def shown_bool(value) -> str:
    return yes_no(bool(value)) if value is not None else "—"


# --- the checks -------------------------------------------------------------------------------------------------


class Planner:
    """Checks the rows sheet by sheet into the plan, then, if nothing is wrong, compares them with the database."""

    def __init__(self, rows: dict[str, list[Row]], existing: Existing, plan: Plan) -> None:
        self.rows = rows
        self.existing = existing
        self.plan = plan
        # Natural keys of every row that names something, valid or not: a reference to a row with its own
        # problem is not reported a second time as unknown.
        self.named_units = {row["name"] for row in rows["units"] if row["name"]}
        self.named_people = {row["username"] for row in rows["people"] + rows["contacts"] if row["username"]}
        self.named_enterprises = {row["credit_code"].upper() for row in rows["enterprises"] if row["credit_code"]}
        self.named_projects = {(row["credit_code"].upper(), row["name"]) for row in rows["projects"] if row["name"]}
        self.named_services = {row["credit_code"].upper() for row in rows["service"]}
        self.roles: dict[str, dict[tuple[str, str], tuple[str, int]]] = {}
        self.contacts: dict[str, dict[str, dict]] = defaultdict(dict)
        self.seats: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        self.account_changes: dict[str, str] = {}
        self._children: dict[str, list[str]] | None = None
        self._below: dict[str, set[str]] = {}

    def problem(self, sheet: Sheet, row: Row | int | None, key: str | None, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self.plan.problems.append(Problem(sheet.title, number, sheet.header(key) if key else None, message))

    def cells(self, sheet: Sheet, row: Row) -> dict | None:
        """The row's cells checked one by one (required, length, allowed words); None if any is wrong."""
        values: dict = {}
        ok = True
        for column in sheet.columns:
            text = row[column.key]
            if column.required and not text:
                self.problem(sheet, row, column.key, _("This cell is required."))
                ok = False
            elif column.max_length and len(text) > column.max_length:
                self.problem(
                    sheet,
                    row,
                    column.key,
                    _("At most %(limit)d characters; this cell has %(count)d.")
                    % {"limit": column.max_length, "count": len(text)},
                )
                ok = False
            elif column.vocabulary and text:
                value = column.vocabulary.value_of(text)
                if value is None:
                    self.problem(
                        sheet,
                        row,
                        column.key,
                        _("“%(value)s” is not allowed here; write one of: %(allowed)s.")
                        % {"value": text, "allowed": column.vocabulary.allowed()},
                    )
                    ok = False
                values[column.key] = value
            elif column.key == "active":
                value = parse_yes_no(text)
                if value is None:
                    self.problem(sheet, row, column.key, _("Write 是 or 否."))
                    ok = False
                values[column.key] = value
            else:
                values[column.key] = text
        return values if ok else None

    def unique(self, sheet: Sheet, row: Row, key, seen: dict, column: str, shown: str) -> bool:
        if key in seen:
            self.problem(
                sheet,
                row,
                column,
                _("%(key)s appears twice in this sheet: also in row %(row)d.") % {"key": shown, "row": seen[key]},
            )
            return False
        seen[key] = row.number
        return True

    # units -------------------------------------------------------------------------------------------------------

    def check_units(self) -> None:
        seen: dict = {}
        for row in self.rows["units"]:
            values = self.cells(UNITS, row)
            if values is None or not self.unique(UNITS, row, values["name"], seen, "name", values["name"]):
                continue
            if values["parent"] == values["name"]:
                self.problem(UNITS, row, "parent", _("A unit cannot be its own parent."))
                continue
            if not self.unit_known(UNITS, row, "parent", values["parent"]):
                continue
            self.plan.units[values["name"]] = {**values, "row": row.number}
        self.check_cycles()

    def unit_known(self, sheet: Sheet, row: Row, key: str, name: str) -> bool:
        if not name or name in self.named_units or name in self.existing.units:
            return True
        self.problem(
            sheet, row, key, _("No unit is named “%(name)s”, in the 单位 sheet or in Huiyin.") % {"name": name}
        )
        return False

    def parent_of(self, name: str) -> str:
        unit = self.plan.units.get(name) or self.existing.units.get(name)
        return unit["parent"] if unit else ""

    def kind_of(self, name: str) -> str | None:
        unit = self.plan.units.get(name) or self.existing.units.get(name)
        return unit["kind"] if unit else None

    def check_cycles(self) -> None:
        """The hierarchy the import leaves behind (the file's parents over the database's) has no loop."""
        reported: set[str] = set()
        for name, unit in list(self.plan.units.items()):
            chain = [name]
            current = self.parent_of(name)
            while current and current not in chain:
                chain.append(current)
                current = self.parent_of(current)
            if current == name and name not in reported:
                reported.update(chain)
                self.problem(
                    UNITS,
                    unit["row"],
                    "parent",
                    _("The units %(chain)s form a cycle: each is the parent of the one before it.")
                    % {"chain": " → ".join([*chain, name])},
                )
        for name in reported:
            self.plan.units.pop(name, None)

    def below(self, root: str) -> set[str]:
        """The unit and every unit under it, in the hierarchy the import leaves behind."""
        if self._children is None:
            self._children = defaultdict(list)
            for name in set(self.existing.units) | set(self.plan.units):
                self._children[self.parent_of(name)].append(name)
        if root not in self._below:
            found, stack = set(), [root]
            while stack:
                name = stack.pop()
                if name not in found:
                    found.add(name)
                    stack.extend(self._children.get(name, ()))
            self._below[root] = found
        return self._below[root]

    # people --------------------------------------------------------------------------------------------------------

    def person(self, sheet: Sheet, row: Row, values: dict) -> bool:
        """The account fields of a username agree wherever it appears, and are valid."""
        username = values["username"]
        try:
            username_validator(username)
        except ValidationError as error:
            self.problem(sheet, row, "username", " ".join(error.messages))
            return False
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError as error:
                self.problem(sheet, row, "email", " ".join(error.messages))
                return False
        account = {"name": values["name"], "email": values["email"], "active": values["active"]}
        known = self.plan.people.get(username)
        if known is None:
            self.plan.people[username] = {**account, "sheet": sheet, "row": row.number}
            return True
        agree = True
        for key, value in account.items():
            if known[key] != value:
                shown = yes_no(known[key]) if key == "active" else known[key] or "—"
                self.problem(
                    sheet,
                    row,
                    key,
                    _("This differs from %(sheet)s row %(row)d for the same username (%(value)s).")
                    % {"sheet": known["sheet"].title, "row": known["row"], "value": shown},
                )
                agree = False
        return agree

    def check_people(self) -> None:
        seen: dict = {}
        for row in self.rows["people"]:
            values = self.cells(PEOPLE, row)
            if values is None or not self.person(PEOPLE, row, values):
                continue
            username, unit, role, jurisdiction = (values[key] for key in ("username", "unit", "role", "jurisdiction"))
            self.roles.setdefault(username, {})
            if bool(unit) != bool(role):
                self.problem(PEOPLE, row, "role" if unit else "unit", _("Give both the unit and the role, or neither."))
                continue
            if not unit:
                if jurisdiction:
                    self.problem(PEOPLE, row, "jurisdiction", _("Only supervisors and leaders have a jurisdiction."))
                continue
            shown = f"{username} · {unit} · {ROLES.label_of(role)}"
            if not self.unique(PEOPLE, row, (username, unit, role), seen, "role", shown):
                continue
            if not self.unit_known(PEOPLE, row, "unit", unit):
                continue
            if jurisdiction and role not in OVERSEER_ROLES:
                self.problem(PEOPLE, row, "jurisdiction", _("Only supervisors and leaders have a jurisdiction."))
                continue
            if not self.unit_known(PEOPLE, row, "jurisdiction", jurisdiction):
                continue
            self.roles[username][unit, role] = (jurisdiction, row.number)

    def roles_of(self, username: str) -> set[tuple[str, str]]:
        """A person's roles after the import: the file's for people of the 人员 sheet, the database's otherwise."""
        if username in self.roles:
            return set(self.roles[username])
        return set(self.existing.memberships.get(username, {}))

    def person_known(self, sheet: Sheet, row: Row, key: str, username: str) -> bool:
        if not username or username in self.named_people or username in self.existing.users:
            return True
        self.problem(
            sheet,
            row,
            key,
            _("No person has the username “%(username)s”, in the 人员 or 企业联系人 sheets or in Huiyin.")
            % {"username": username},
        )
        return False

    def leader(self, sheet: Sheet, row: Row, key: str, username: str) -> bool:
        """Empty, or a person with the leader role after the import."""
        if not username:
            return True
        if not self.person_known(sheet, row, key, username):
            return False
        if username in self.named_people and username not in self.plan.people:
            return False  # their own row has a problem, reported there
        if any(role == Role.LEADER for _unit, role in self.roles_of(username)):
            return True
        self.problem(
            sheet,
            row,
            key,
            _("%(username)s is not a leader: give them the role %(role)s in the 人员 sheet.")
            % {"username": username, "role": ROLES.label_of(Role.LEADER)},
        )
        return False

    # enterprises ---------------------------------------------------------------------------------------------------

    def check_enterprises(self) -> None:
        seen: dict = {}
        for row in self.rows["enterprises"]:
            values = self.cells(ENTERPRISES, row)
            if values is None:
                continue
            code = values["credit_code"] = values["credit_code"].upper()
            try:
                validate_credit_code(code)
            except ValidationError as error:
                self.problem(ENTERPRISES, row, "credit_code", " ".join(error.messages))
                continue
            if not self.unique(ENTERPRISES, row, code, seen, "credit_code", code):
                continue
            township = values["township"]
            if not self.unit_known(ENTERPRISES, row, "township", township):
                continue
            kind = self.kind_of(township)
            if kind is not None and kind not in LOCAL_UNIT_KINDS:
                self.problem(
                    ENTERPRISES,
                    row,
                    "township",
                    _("“%(name)s” is not a township or street office.") % {"name": township},
                )
                continue
            self.plan.enterprises[code] = {**values, "row": row.number}

    def enterprise_known(self, sheet: Sheet, row: Row, code: str) -> bool:
        if code in self.named_enterprises or code in self.existing.enterprises:
            return True
        self.problem(
            sheet,
            row,
            "credit_code",
            _("No enterprise has the credit code %(code)s, in the 企业 sheet or in Huiyin.") % {"code": code},
        )
        return False

    def township_of(self, code: str) -> str:
        enterprise = self.plan.enterprises.get(code) or self.existing.enterprises.get(code)
        return enterprise["township"] if enterprise else ""

    def check_contacts(self) -> None:
        seen: dict = {}
        for row in self.rows["contacts"]:
            values = self.cells(CONTACTS, row)
            if values is None:
                continue
            code = values["credit_code"] = values["credit_code"].upper()
            if not self.person(CONTACTS, row, values) or not self.enterprise_known(CONTACTS, row, code):
                continue
            username = values["username"]
            if not self.unique(CONTACTS, row, (code, username), seen, "username", f"{code} · {username}"):
                continue
            self.contacts[code][username] = {"phone": values["phone"], "title": values["title"], "row": row.number}

    # 三级包保 -----------------------------------------------------------------------------------------------------

    def serves_in(self, username: str, unit: str) -> bool:
        return any((unit, role) in self.roles_of(username) for role in SERVING_ROLES)

    def check_service(self) -> None:
        seen: dict = {}
        for row in self.rows["service"]:
            values = self.cells(SERVICE, row)
            if values is None:
                continue
            code = values["credit_code"] = values["credit_code"].upper()
            if not self.enterprise_known(SERVICE, row, code):
                continue
            if not self.unique(SERVICE, row, code, seen, "credit_code", code):
                continue
            unit, cadre, contact = values["unit"], values["cadre"], values["local_contact"]
            ok = self.unit_known(SERVICE, row, "unit", unit) & self.leader(SERVICE, row, "leader", values["leader"])
            if ok and cadre and self.person_known(SERVICE, row, "cadre", cadre) and not self.serves_in(cadre, unit):
                self.problem(
                    SERVICE,
                    row,
                    "cadre",
                    _("%(username)s is not a cadre or the head of %(unit)s: give them that role in the 人员 sheet.")
                    % {"username": cadre, "unit": unit},
                )
                ok = False
            township = self.township_of(code)
            if contact and self.person_known(SERVICE, row, "local_contact", contact) and township:
                local_units = self.below(township)
                if not any(member_unit in local_units for member_unit, _role in self.roles_of(contact)):
                    self.problem(
                        SERVICE,
                        row,
                        "local_contact",
                        _("%(username)s does not work in %(township)s (the enterprise's township or street office).")
                        % {"username": contact, "township": township},
                    )
                    ok = False
            if ok:
                del values["credit_code"]
                self.plan.services[code] = {**values, "row": row.number}

    def check_kept_services(self) -> None:
        """A role the file takes away must not leave a 包保 period the file does not change without its cadre."""
        if self.plan.deactivate_missing:
            return
        for code, service in self.existing.services.items():
            if code in self.named_services:
                continue
            cadre = service["cadre"]
            if cadre in self.roles and not self.serves_in(cadre, service["unit"]):
                first_row = min((number for _jurisdiction, number in self.roles[cadre].values()), default=None)
                self.plan.problems.append(
                    Problem(
                        PEOPLE.title,
                        first_row,
                        PEOPLE.header("role") if first_row else None,
                        _(
                            "%(username)s would no longer be a cadre or the head of %(unit)s, but still serves the "
                            "enterprise %(code)s for it (三级包保): change its row in the 三级包保 sheet too."
                        )
                        % {"username": cadre, "unit": service["unit"], "code": code},
                    )
                )

    # key projects ----------------------------------------------------------------------------------------------------

    def check_projects(self) -> None:
        seen: dict = {}
        for row in self.rows["projects"]:
            values = self.cells(PROJECTS, row)
            if values is None:
                continue
            code = values["credit_code"] = values["credit_code"].upper()
            key = (code, values["name"])
            if not self.enterprise_known(PROJECTS, row, code):
                continue
            if not self.unique(PROJECTS, row, key, seen, "name", f"{values['name']} · {code}"):
                continue
            if not self.leader(PROJECTS, row, "leader", values["leader"]):
                continue
            self.plan.projects[key] = {**values, "row": row.number}

    def check_task_force(self) -> None:
        seen: dict = {}
        for row in self.rows["task_force"]:
            values = self.cells(TASK_FORCE, row)
            if values is None:
                continue
            key = (values["credit_code"].upper(), values["project"])
            if key not in self.named_projects and key not in self.existing.projects:
                self.problem(
                    TASK_FORCE,
                    row,
                    "project",
                    _("No key project “%(name)s” of the enterprise %(code)s, in the 重点项目 sheet or in Huiyin.")
                    % {"name": key[1], "code": key[0]},
                )
                continue
            username = values["username"]
            if not self.person_known(TASK_FORCE, row, "username", username):
                continue
            if not self.unique(TASK_FORCE, row, (key, username), seen, "username", f"{key[1]} · {username}"):
                continue
            if not self.unit_known(TASK_FORCE, row, "unit", values["unit"]):
                continue
            self.seats[key][username] = {
                "level": values["level"],
                "unit": values["unit"],
                "duty": values["duty"],
                "row": row.number,
            }

    # --- the differences, once everything is valid ---------------------------------------------------------------

    def compare(self) -> None:
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
            if person["changed"]:
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


def plan_import(
    rows: dict[str, list[Row]],
    *,
    deactivate_missing: bool = False,
    problems: list[Problem] | None = None,
    progress: Progress = no_progress,
) -> Plan:
    """Check the workbook's rows (from ``workbook.read_workbook``) and compare them with the database."""
    existing = Existing.load()
    plan = Plan(existing=existing, deactivate_missing=deactivate_missing, problems=list(problems or []))
    planner = Planner(rows, existing, plan)
    steps = (
        planner.check_units,
        planner.check_people,
        planner.check_enterprises,
        planner.check_contacts,
        planner.check_service,
        planner.check_kept_services,
        planner.check_projects,
        planner.check_task_force,
    )
    for done, step in enumerate(steps):
        progress(_("Checking"), done, len(steps))
        step()
    if not plan.problems:
        planner.compare()
    progress(_("Checking"), len(steps), len(steps))
    return plan
