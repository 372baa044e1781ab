"""The apps depend on each other one way (docs/architecture.md): a test, so that an import pointing up fails here
and not in the next engineer's head."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What each app may import besides itself and third-party packages; nothing imports web, config or benchmarks.
MAY_IMPORT = {
    "core": set(),
    "ops": set(),
    "notifications": {"core"},
    "enterprises": {"core"},
    "cases": {"core", "enterprises"},
    "workflow": {"core", "enterprises", "cases", "notifications", "ops"},
    "supervision": {"core", "enterprises", "cases", "notifications", "workflow"},
    "accounts": {"core", "enterprises", "notifications"},
    "web": {"core", "enterprises", "cases", "notifications", "workflow", "supervision", "accounts"},
    "config": {"core", "enterprises", "cases", "notifications", "workflow", "supervision", "accounts", "ops"},
    "benchmarks": {"core", "enterprises", "cases", "notifications", "workflow", "supervision", "config"},
}


def imported_apps(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & set(MAY_IMPORT)


def test_it_keeps_every_import_between_apps_pointing_down():
    wrong = []
    for app, allowed in MAY_IMPORT.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                continue
            for other in sorted(imported_apps(path) - allowed - {app}):
                wrong.append(f"{path.relative_to(ROOT)} imports {other}")
    assert wrong == []


def test_it_knows_every_app_of_the_project():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"config"}
    assert apps == set(MAY_IMPORT)
