"""manage.py media_check: after a restore (or a move of MEDIA_ROOT), every file the database names is there."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from workflow import services
from workflow.tests.helpers import assigned_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(tmp_path, settings):
    with override_settings(
        STORAGES={**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}},
        MEDIA_ROOT=tmp_path,
    ):
        yield tmp_path


def attach(district, case, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    return services.attachment_add(case=case, acting_user=district.alice, upload=upload)


def test_it_names_every_stored_file_the_media_directory_lacks(district, media_root, capsys):
    case = assigned_case(district)
    kept = attach(district, case, "营业执照.txt", "营业执照副本".encode())
    lost = attach(district, case, "现场照片.txt", b"photo")
    call_command("media_check")
    assert capsys.readouterr().out == "All 2 stored files are present.\n"

    (media_root / lost.file.name).unlink()
    with pytest.raises(CommandError, match="1 of 2 stored files are missing"):
        call_command("media_check")

    errors = capsys.readouterr().err
    assert f"missing: cases.Attachment {lost.pk} file: {lost.file.name}" in errors
    assert kept.file.name not in errors
