"""Read the master-data workbook that ``export_masterdata`` writes: all of it, or nothing.

Every problem is listed with its sheet, row and column, and nothing is written while any remains.
``--dry-run`` lists what would be created, changed and ended. Re-importing the same file changes
nothing. What the database holds and the file leaves out is reported, never deleted;
``--deactivate-missing`` marks it inactive (and ends 包保 periods the file no longer lists).
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from enterprises.masterdata.apply import apply_plan
from enterprises.masterdata.plan import Plan
from enterprises.masterdata.planner import plan_import
from enterprises.masterdata.schema import SHEETS
from enterprises.masterdata.workbook import read_workbook


class TextProgress:
    """Progress on stderr: one line rewritten in place on a terminal, a line per finished stage otherwise."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.live:
            self.stream.write(f"\r{stage} {done}/{total}\033[K", ending="\n" if done >= total else "")
        elif done >= total:
            self.stream.write(f"{stage} {done}/{total}")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import units, people, enterprises, contacts, 三级包保 and key projects from an .xlsx workbook, all or "
        "nothing. --dry-run shows the changes without writing them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The .xlsx workbook, as export_masterdata writes it.")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; write nothing.")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Deactivate the units, enterprises, people and projects the file leaves out, and end their 包保.",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the messages.",
        )

    def handle(self, *args, file: Path, dry_run: bool, deactivate_missing: bool, language: str, **options) -> None:
        verbosity = options["verbosity"]
        progress = TextProgress(self.stderr) if verbosity else (lambda *args: None)
        with translation.override(language):
            timings = {}
            started = time.monotonic()
            try:
                with file.open("rb") as workbook:
                    rows, problems = read_workbook(workbook, progress=progress)
            except OSError as error:
                raise CommandError(f"{file}: {error.strerror}") from error
            except InvalidInput as error:
                raise CommandError(f"{file}: {error.message}") from error
            timings["read"] = time.monotonic() - started
            plan = plan_import(rows, deactivate_missing=deactivate_missing, problems=problems, progress=progress)
            timings["checked"] = time.monotonic() - started - timings["read"]
            if plan.problems:
                for problem in plan.problems:
                    self.stderr.write(str(problem))
                raise CommandError(
                    _("%(count)d problems in %(file)s: nothing was imported.")
                    % {"count": len(plan.problems), "file": file}
                )
            self.write_plan(plan, rows_shown=dry_run or verbosity >= 2)
            if not plan.has_changes:
                self.stdout.write(self.style.SUCCESS(_("No change: Huiyin already holds this workbook's master data.")))
            elif dry_run:
                self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
            else:
                apply_plan(plan, progress=progress)
                timings["written"] = time.monotonic() - started - timings["read"] - timings["checked"]
                self.stdout.write(self.style.SUCCESS(_("Imported.")))
            if verbosity >= 2:
                self.stdout.write(", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timings.items()))

    def write_plan(self, plan: Plan, *, rows_shown: bool) -> None:
        """The counts per sheet, then the rows: every change when asked, what the file leaves out always."""
        headers = [_("sheet"), _("created"), _("changed"), _("ended"), _("not in the file"), _("unchanged")]
        self.stdout.write("\t".join(headers))
        for line in plan.summary():
            counts = [line[key] for key in ("created", "changed", "ended", "missing", "unchanged")]
            self.stdout.write("\t".join([line["sheet"], *map(str, counts)]))
        missing_verb = _("deactivated") if plan.deactivate_missing else _("kept")
        listed = []
        for sheet in SHEETS:
            report = plan.reports[sheet.key]
            sections = [("+", report.created), ("~", report.changed), ("-", report.ended)] if rows_shown else []
            listed += [(sheet, mark, changes) for mark, changes in [*sections, ("?", report.missing)] if changes]
        if listed:
            self.stdout.write(_("+ created, ~ changed, - ended, ? in Huiyin but not in the file"))
        for sheet, mark, changes in listed:
            for change in changes:
                where = " " + _("row %(row)d") % {"row": change.row} if change.row else ""
                notes = [missing_verb] if mark == "?" else []
                notes += [change.detail] if change.detail else []
                extra = f" ({'; '.join(notes)})" if notes else ""
                self.stdout.write(f"{mark} {sheet.title}{where}: {change.key}{extra}")
