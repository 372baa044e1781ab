"""Check a workbook against the database and say what importing it would change, without writing anything.

Everything is decided in memory over natural keys (unit name, username, credit code, project name and
enterprise): the database is read once (``existing``), eight queries whatever the size of the file, and the
workbook's rows are checked here, then compared with what it holds (``compare``). The result is a ``Plan``.
"""

from collections import defaultdict

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..credit_code import validate_credit_code
from ..models import LOCAL_UNIT_KINDS, Role
from .compare import Comparison
from .existing import Existing
from .plan import Plan
from .schema import (
    CONTACTS,
    ENTERPRISES,
    PEOPLE,
    PROJECTS,
    ROLES,
    SERVICE,
    TASK_FORCE,
    UNITS,
    Sheet,
    parse_yes_no,
    yes_no,
)
from .workbook import Problem, Progress, Row, no_progress

OVERSEER_ROLES = (Role.SUPERVISOR, Role.LEADER)
SERVING_ROLES = (Role.CADRE, Role.UNIT_HEAD)
username_validator = UnicodeUsernameValidator()


class Planner:
    """Checks the rows sheet by sheet into the plan; ``compare.Comparison`` then says what they change."""

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
                answer = parse_yes_no(text)
                if answer is None:
                    self.problem(sheet, row, column.key, _("Write 是 or 否."))
                    ok = False
                values[column.key] = answer
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
        Comparison(existing, plan, roles=planner.roles, contacts=planner.contacts, seats=planner.seats).compare()
    progress(_("Checking"), len(steps), len(steps))
    return plan
