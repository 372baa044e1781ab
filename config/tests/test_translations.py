"""Chinese is the default language: every string the code marks for translation has a Chinese translation."""

import shutil
import subprocess
import sys
from pathlib import Path

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


def test_it_has_a_chinese_translation_for_every_string_of_the_interface(tmp_path):
    copy_sources(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
    )
    missing = [msgid for msgid, msgstr, fuzzy in entries((tmp_path / CATALOGUE).read_text()) if fuzzy or not msgstr]
    assert missing == []
