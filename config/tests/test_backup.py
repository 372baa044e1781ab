"""scripts/backup and scripts/restore, round trip: what comes back is every row and every file that went in.

PostgreSQL only (pg_dump): the test database, with cases, comments and attachments written through the services
and stored on disk, is backed up by the script; a second database on the same private cluster and a fresh media
directory receive the restore; then every table is compared row for row and every file byte for byte.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from psycopg import sql

from cases.models import Attachment, ResolutionType, Visibility
from workflow import services
from workflow.tests.celery_harness import database_url
from workflow.tests.helpers import assigned_case

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCRIPTS = Path(settings.BASE_DIR) / "scripts"
RESTORED_DATABASE = f"huiyin_restore_{os.getpid()}"


@pytest.fixture
def media_root(tmp_path) -> Iterator[Path]:
    """Attachments written to disk, as in production, instead of the tests' in-memory storage."""
    root = tmp_path / "media"
    storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    with override_settings(STORAGES=storages, MEDIA_ROOT=root):
        yield root


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty database on the cluster of the test database, dropped afterwards; its DATABASE_URL."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(RESTORED_DATABASE)).as_string())
    source = database_url()
    try:
        yield source[: source.rindex("/") + 1] + RESTORED_DATABASE
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(RESTORED_DATABASE)).as_string()
            )


def run(script: str, *args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(media),
        # The restore's check of the files reads them from MEDIA_ROOT, as production does.
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    return subprocess.run(
        [str(SCRIPTS / script), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def cases_with_attachments(district) -> list[Attachment]:
    case = assigned_case(district)
    services.comment_add(case=case, acting_user=district.carol, body="已联系交通局，本周内修复。")
    attachments = [
        services.attachment_add(
            case=case,
            acting_user=district.alice,
            upload=SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40),
        ),
        services.attachment_add(
            case=case,
            acting_user=district.carol,
            upload=SimpleUploadedFile("协调记录.txt", "内部协调记录".encode(), content_type="text/plain"),
            visibility=Visibility.INTERNAL,
        ),
    ]
    services.case_resolve(
        case=case, acting_user=district.carol, resolution_type=ResolutionType.SOLVED, reply="道路已修复。"
    )
    return attachments


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and a digest of all its rows in a fixed order."""
    with psycopg.connect(url) as database:
        tables = [
            name
            for (name,) in database.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: database.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t"
                ).format(sql.Identifier(table))
            ).fetchone()
            for table in tables
        }


def sequence_values(url: str) -> dict[str, int | None]:
    """Where each id sequence stands: a restored database must not hand out an id it already has."""
    with psycopg.connect(url) as database:
        return dict(database.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename"))


def files_under(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_it_restores_every_row_and_every_file_that_was_backed_up(district, media_root, empty_database, tmp_path):
    attachments = cases_with_attachments(district)
    backups = tmp_path / "backups"

    backed_up = run("backup", "--keep", "3", str(backups), database=database_url(), media=media_root)

    assert backed_up.returncode == 0, backed_up.stderr
    (backup,) = backups.iterdir()
    assert backup.name.startswith("huiyin-") and backup.name.endswith("Z")
    assert sorted(path.name for path in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "manifest.txt",
        "media.tar",
    ]
    assert "media_files=2" in (backup / "manifest.txt").read_text()

    restored_media = tmp_path / "restored-media"
    restored = run("restore", str(backup), database=empty_database, media=restored_media)

    assert restored.returncode == 0, restored.stderr
    assert "All 2 stored files are present." in restored.stdout
    before, after = table_fingerprints(database_url()), table_fingerprints(empty_database)
    assert after == before
    assert before["cases_case"][0] == 1 and before["cases_attachment"][0] == 2 and before["cases_comment"][0] == 1
    assert sequence_values(empty_database) == sequence_values(database_url())
    assert files_under(restored_media) == files_under(media_root)
    assert sorted(files_under(restored_media)) == sorted(attachment.file.name for attachment in attachments)


def test_it_refuses_a_damaged_backup_and_touches_nothing(district, media_root, empty_database, tmp_path):
    cases_with_attachments(district)
    assert run("backup", str(tmp_path / "backups"), database=database_url(), media=media_root).returncode == 0
    (backup,) = (tmp_path / "backups").iterdir()
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with (damaged / "media.tar").open("r+b") as tar:
        tar.seek(1024)
        tar.write(b"X")

    refused = run("restore", str(damaged), database=empty_database, media=tmp_path / "restored-media")

    assert refused.returncode == 1
    assert "Not restored: the backup does not match its checksums" in refused.stderr
    assert table_fingerprints(empty_database) == {}
    assert not (tmp_path / "restored-media").exists()


def test_it_refuses_to_restore_over_a_database_in_use(district, media_root, tmp_path):
    cases_with_attachments(district)
    assert run("backup", str(tmp_path / "backups"), database=database_url(), media=media_root).returncode == 0
    (backup,) = (tmp_path / "backups").iterdir()
    before = table_fingerprints(database_url())

    refused = run("restore", str(backup), database=database_url(), media=tmp_path / "restored-media")

    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
    assert table_fingerprints(database_url()) == before


def test_it_keeps_only_the_newest_backups_asked_for(media_root, tmp_path, db):
    backups = tmp_path / "backups"
    for stamp in ("20261201T020000Z", "20261202T020000Z", "20261203T020000Z"):
        (backups / f"huiyin-{stamp}").mkdir(parents=True)

    result = run("backup", "--keep", "2", str(backups), database=database_url(), media=media_root)

    assert result.returncode == 0, result.stderr
    kept = sorted(path.name for path in backups.iterdir())
    assert len(kept) == 2
    assert kept[0] == "huiyin-20261203T020000Z"  # the newest of the old ones, and the one just written
