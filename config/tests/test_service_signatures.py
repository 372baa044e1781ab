"""Every write goes through a service called with keyword arguments only (docs/style.md): a positional call cannot
swap a case for its parent or the acting user for the assignee. The services checked are those of the type check
(pyproject.toml, [tool.mypy] files), so a module joins both at once."""

import importlib
import inspect
import tomllib
from pathlib import Path

from django.conf import settings

# Public functions of services modules that are no service: Django calls a receiver with the sender first; the
# others are a predicate of the pages and a helper of a beat task, each taking one obvious argument.
NOT_SERVICES = {
    "supervision.ratings.services.rectification_open_on_rating",
    "supervision.visits.services.visit_duties_on_service_change",
    "enterprises.masterdata.services.may_manage_masterdata",
    "supervision.rates.services.periods_read_most",
}


def services_checked() -> list[str]:
    config = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    modules = [Path(path).with_suffix("").parts for path in config["tool"]["mypy"]["files"]]
    return [".".join(parts).removesuffix(".__init__") for parts in modules if "services" in parts]


def public_functions(module_name: str):
    module = importlib.import_module(module_name)
    for name, function in vars(module).items():
        if not name.startswith("_") and inspect.isfunction(function) and function.__module__ == module_name:
            yield f"{module_name}.{name}", function


def test_it_checks_the_services_of_every_app():
    assert {"workflow.services.cases", "accounts.services.people", "supervision.meetings.services"} <= set(
        services_checked()
    )


def test_it_keeps_every_service_keyword_only_and_typed():
    refused = []
    for module_name in services_checked():
        for qualified_name, function in public_functions(module_name):
            if qualified_name in NOT_SERVICES:
                continue
            signature = inspect.signature(function)
            for parameter in signature.parameters.values():
                if parameter.kind not in (parameter.KEYWORD_ONLY, parameter.VAR_KEYWORD):
                    refused.append(f"{qualified_name}: {parameter.name} is not keyword-only")
                if parameter.annotation is parameter.empty:
                    refused.append(f"{qualified_name}: {parameter.name} has no type")
            if signature.return_annotation is signature.empty:
                refused.append(f"{qualified_name}: no return type")
    assert refused == []
