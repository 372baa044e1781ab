"""The installation's master data as the workbook the import reads.

It is built from the very snapshot the import compares a file with (``existing.Existing``, eight queries
whatever the number of enterprises), so an export re-imported changes nothing. Rows come in natural-key
order, sorted here rather than by the database's collation, so that two exports of the same data are
identical on SQLite and PostgreSQL alike.
"""

from typing import IO

from .existing import Existing
from .schema import LEVELS, ROLES, STAGES, UNIT_KINDS, yes_no
from .workbook import write_workbook


def units_in_hierarchy_order(units: dict[str, dict]) -> list[str]:
    """Each unit after its parent, siblings by name: the order a person reads an organisation chart in."""
    children: dict[str, list[str]] = {}
    for name, unit in units.items():
        children.setdefault(unit["parent"], []).append(name)
    ordered: list[str] = []
    stack = sorted(children.get("", []), reverse=True)
    while stack:
        name = stack.pop()
        ordered.append(name)
        stack.extend(sorted(children.get(name, []), reverse=True))
    return ordered


def export_rows(existing: Existing | None = None) -> dict[str, list[list[str]]]:
    """Every sheet's rows, in the schema's column order."""
    existing = existing or Existing.load()
    users = existing.users

    def account(username: str) -> list[str]:
        return [username, users[username]["name"], users[username]["email"]]

    def active(username: str) -> str:
        return yes_no(users[username]["active"])

    # Contacts are listed with their enterprise; officials with their roles; anyone else a file must name
    # (a city leader of a task force) on a row of the 人员 sheet of their own.
    with_enterprise = {username for contacts in existing.contacts.values() for username in contacts}
    people = [
        [*account(username), unit, ROLES.label_of(role), jurisdiction, active(username)]
        for username, roles in existing.memberships.items()
        for (unit, role), (_pk, jurisdiction) in roles.items()
    ]
    people += [
        [*account(username), "", "", "", active(username)]
        for username in existing.people_in_scope() - set(existing.memberships) - with_enterprise
    ]
    return {
        "units": [
            [name, UNIT_KINDS.label_of(unit["kind"]), unit["parent"], yes_no(unit["active"])]
            for name in units_in_hierarchy_order(existing.units)
            for unit in (existing.units[name],)
        ],
        "people": sorted(people),
        "enterprises": sorted(
            [code, e["name"], e["township"], e["industry"], e["address"], yes_no(e["active"])]
            for code, e in existing.enterprises.items()
        ),
        "contacts": sorted(
            [
                code,
                *account(username)[:2],
                contact["phone"],
                users[username]["email"],
                contact["title"],
                active(username),
            ]
            for code, contacts in existing.contacts.items()
            for username, (_pk, contact) in contacts.items()
        ),
        "service": sorted(
            [code, service["leader"], service["unit"], service["cadre"], service["local_contact"]]
            for code, service in existing.services.items()
        ),
        "projects": sorted(
            [
                name,
                code,
                STAGES.label_of(project["stage"]),
                project["leader"],
                project["description"],
                yes_no(project["active"]),
            ]
            for (code, name), project in existing.projects.items()
        ),
        "task_force": sorted(
            [name, code, username, LEVELS.label_of(seat["level"]), seat["unit"], seat["duty"]]
            for (code, name), seats in existing.seats.items()
            for username, (_pk, seat) in seats.items()
        ),
    }


def write_export(file: IO[bytes]) -> None:
    write_workbook(file, export_rows())


def write_template(file: IO[bytes]) -> None:
    """The empty workbook: the notes, and each sheet with its headers only."""
    write_workbook(file, {})
