"""Write the installation's master data (units, people, enterprises, contacts, 三级包保, key projects and
their task forces) as the workbook ``import_masterdata`` reads; on an empty installation, the template."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from enterprises.masterdata.export import write_export, write_template


class Command(BaseCommand):
    help = (
        "Write the master data as an .xlsx workbook with one sheet per kind and Chinese headers, and a notes "
        "sheet explaining each column. --template writes the headers and notes only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The .xlsx file to write, e.g. masterdata.xlsx")
        parser.add_argument("--template", action="store_true", help="Write the empty workbook, whatever Huiyin holds.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the notes sheet (headers and coded values are always Chinese).",
        )

    def handle(self, *args: object, file: Path, template: bool, language: str, **options: object) -> None:
        with translation.override(language), file.open("wb") as output:
            (write_template if template else write_export)(output)
        self.stdout.write(self.style.SUCCESS(f"{file}"))
