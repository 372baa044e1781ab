"""What the database holds of the master data, by natural key (unit name, username, credit code, project name
and enterprise), read in a fixed number of queries whatever its size: the import compares a workbook with
it, the export writes it out."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import User

from ..models import Enterprise, EnterpriseContact, KeyProject, ServiceAssignment, TaskForceMember, Unit, UnitMembership


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
            User.objects.values_list("id", "username", "first_name", "last_name", "email", "is_active", "is_superuser")
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
