from django.core.management.base import BaseCommand, CommandError

from ops.selectors import stored_files_missing


class Command(BaseCommand):
    help = (
        "Check that every file the database names (attachments, ledger exports, any file field) is in the media "
        "storage; exits non-zero when one is missing. scripts/restore runs it after a restore."
    )
    # A restore runs it on a database whose holiday schedule may be a year old: that warning is not its business.
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        count, missing = stored_files_missing()
        for line in missing:
            self.stderr.write(f"missing: {line}")
        if missing:
            raise CommandError(f"{len(missing)} of {count} stored files are missing.")
        self.stdout.write(f"All {count} stored files are present.")
