from django.core.management.base import BaseCommand, CommandError

from ops.selectors import stored_files_missing


class Command(BaseCommand):
    help = (
        "Check that every file the database names (attachments, ledger exports, any file field) is in the media "
        "storage; exits non-zero when one is missing. scripts/restore runs it after a restore."
    )

    def handle(self, *args, **options) -> None:
        count, missing = stored_files_missing()
        for line in missing:
            self.stderr.write(f"missing: {line}")
        if missing:
            raise CommandError(f"{len(missing)} of {count} stored files are missing.")
        self.stdout.write(f"All {count} stored files are present.")
