"""Write a made-up district of N enterprises as a master-data workbook, to measure the import with.

    .venv/bin/python manage.py sample_masterdata /tmp/district.xlsx --enterprises 50000
    .venv/bin/python manage.py import_masterdata /tmp/district.xlsx -v 2

Nothing is read from or written to the database.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from enterprises.masterdata.sample import sample_rows
from enterprises.masterdata.workbook import write_workbook


class Command(BaseCommand):
    help = "Write a valid master-data workbook of a made-up district with N enterprises (for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--enterprises", type=int, default=50_000)

    def handle(self, *args: object, file: Path, enterprises: int, **options: object) -> None:
        with file.open("wb") as output:
            write_workbook(output, sample_rows(enterprises))
        self.stdout.write(self.style.SUCCESS(f"{file}: {enterprises} enterprises"))
