"""Chinese is the default language: every string the code marks for translation has a Chinese translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path("locale/zh_Hans/LC_MESSAGES/django.po")
SOURCES = ("*.py", "*.html", "*.txt")
SKIPPED = {".venv", "var", "node_modules", "staticfiles", "tests", ".git", "locale"}


def copy_sources(target: Path) -> None:
    """The code and templates without tests, plus the catalogue, so makemessages can refresh a copy."""
    root = Path(settings.BASE_DIR)
    for pattern in SOURCES:
        for path in root.rglob(pattern):
            relative = path.relative_to(root)
            if SKIPPED & set(relative.parts[:-1]) or relative.name == "conftest.py":
                continue
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
    (target / CATALOGUE).parent.mkdir(parents=True)
    shutil.copy2(root / CATALOGUE, target / CATALOGUE)


def entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry; msgstr[0] stands for a plural's translation."""
    found = []
    for block in po_text.split("\n\n"):
        msgid, msgstr, fuzzy, field = [], [], False, None
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("msgid "):
                field = msgid
            elif line.startswith(("msgstr ", "msgstr[0] ")):
                field = msgstr
            elif line.startswith(("msgid_plural", "msgstr[")):
                field = None
            if field is not None and '"' in line and not line.startswith("#"):
                field.append(line[line.index('"') + 1 : line.rindex('"')])
        if msgid and "".join(msgid):
            found.append(("".join(msgid), "".join(msgstr), fuzzy))
    return found


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory) -> list[tuple[str, str, bool]]:
    """The catalogue as makemessages refreshes it from today's code: the strings the code marks, translated or not."""
    copy = tmp_path_factory.mktemp("catalogue")
    copy_sources(copy)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=copy,
        check=True,
    )
    return entries((copy / CATALOGUE).read_text())


def test_it_has_a_chinese_translation_for_every_string_of_the_interface(refreshed):
    missing = [msgid for msgid, msgstr, fuzzy in refreshed if fuzzy or not msgstr]
    assert missing == []


def test_every_translation_of_the_catalogue_is_still_read_from_the_code(refreshed):
    """A string the code stopped marking, or marks where makemessages cannot read it (inside an f-string), is
    dropped by the next makemessages, and its translation with it: the page shows English from then on."""
    committed = {msgid for msgid, _msgstr, _fuzzy in entries((Path(settings.BASE_DIR) / CATALOGUE).read_text())}
    assert committed - {msgid for msgid, _msgstr, _fuzzy in refreshed} == set()
