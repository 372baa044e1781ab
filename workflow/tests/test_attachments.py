"""Uploading and downloading attachments: accepted documents come back byte for byte; refusals store nothing."""

import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cases.models import Attachment, CaseEvent, EventAction
from workflow import services


def png_bytes() -> bytes:
    """A real 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    """A real one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


PNG = png_bytes()
PDF = pdf_bytes()


def stored_files(path: str = "") -> set[str]:
    directories, files = default_storage.listdir(path) if default_storage.exists(path or ".") else ([], [])
    found = {f"{path}{name}" for name in files}
    for directory in directories:
        found |= stored_files(f"{path}{directory}/")
    return found


def counts() -> tuple[int, int, frozenset[str]]:
    return Attachment.objects.count(), CaseEvent.objects.count(), frozenset(stored_files())


@pytest.fixture
def case(district):
    """Alice's case, routed automatically to carol."""
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="厂区道路破损",
        description="运输车辆无法通行",
    )


def send(district, case, user, name, content, visibility="public", content_type="application/octet-stream", **extra):
    return district.client(user).post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type), "visibility": visibility},
        format="multipart",
        **extra,
    )


def download(district, user, url):
    response = district.client(user).get(url)
    assert response.status_code == 200, response
    return response, b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("道路照片.png", PNG, "image/png"), ("检测报告.pdf", PDF, "application/pdf")],
    ids=["png", "pdf"],
)
def test_it_accepts_a_small_document_and_serves_the_same_bytes(district, case, name, content, content_type):
    response = send(district, case, district.alice, name, content)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["original_name"] == name
    assert body["size"] == len(content)
    assert body["content_type"] == content_type
    assert body["uploaded_by"]["username"] == "alice"
    served, data = download(district, district.carol, body["download_url"])
    assert data == content
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment;")


def test_it_lets_the_enterprise_download_its_own_file(district, case):
    url = send(district, case, district.alice, "营业执照.pdf", PDF).json()["download_url"]

    _response, data = download(district, district.alice, url)

    assert data == PDF


def test_it_serves_the_type_it_recognised_not_the_one_the_browser_claimed(district, case):
    body = send(district, case, district.alice, "图.png", PNG, content_type="text/html").json()

    served, _data = download(district, district.carol, body["download_url"])

    assert body["content_type"] == "image/png"
    assert served["Content-Type"] == "image/png"


def test_it_accepts_a_real_webp_image(district, case):
    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"

    response = send(district, case, district.alice, "照片.webp", webp)

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/webp"


def test_it_accepts_a_capitalised_extension(district, case):
    response = send(district, case, district.alice, "SCAN.PDF", PDF)

    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"


def test_it_stores_the_file_under_a_random_name_and_keeps_the_original(district, case):
    response = send(district, case, district.alice, "../../etc/passwd.pdf", PDF)

    assert response.status_code == 201
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(".pdf")
    assert "passwd" not in attachment.file.name
    assert ".." not in attachment.file.name
    assert attachment.file.name in stored_files()


def test_it_writes_an_attach_event_and_lists_the_file_on_the_case(district, case):
    response = send(district, case, district.carol, "纪要.pdf", PDF)

    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.action == EventAction.ATTACH
    assert event.actor == district.carol
    assert event.data == {"attachment": response.json()["id"], "name": "纪要.pdf"}
    assert not event.is_internal
    detail = district.client(district.alice).get(f"/api/v1/cases/{case.pk}/").json()
    assert [row["original_name"] for row in detail["attachments"]] == ["纪要.pdf"]


def test_it_lets_an_official_upload_an_internal_file(district, case):
    response = send(district, case, district.carol, "内部.pdf", PDF, visibility="internal")

    assert response.status_code == 201
    assert response.json()["visibility"] == "internal"
    assert CaseEvent.objects.filter(case=case, action=EventAction.ATTACH).get().is_internal


def test_it_refuses_a_file_over_the_size_limit_and_stores_nothing(district, case):
    before = counts()

    with override_settings(HUIYIN={**settings.HUIYIN, "ATTACHMENT_MAX_BYTES": 1024}):
        response = send(
            district, case, district.alice, "大文件.pdf", b"%PDF-1.4\n" + b"0" * 1100, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "attachment_too_large"
    assert body["fields"]["file"]
    assert "1.0\xa0KB" in body["message"] or "1.0 KB" in body["message"]
    assert counts() == before


def test_it_accepts_a_file_exactly_at_the_size_limit(district, case):
    content = PDF + b"%" * (1024 - len(PDF))
    assert len(content) == 1024

    with override_settings(HUIYIN={**settings.HUIYIN, "ATTACHMENT_MAX_BYTES": 1024}):
        response = send(district, case, district.alice, "刚好.pdf", content)

    assert response.status_code == 201


@pytest.mark.parametrize("name", ["setup.exe", "run.sh", "page.html", "macro.docm", "archive.zip", "README"])
def test_it_refuses_a_type_that_is_not_a_document_or_image(district, case, name):
    before = counts()

    response = send(district, case, district.alice, name, b"MZ\x90\x00\x03\x00\x00\x00")

    assert response.status_code == 400
    assert response.json()["code"] == "attachment_type_refused"
    assert response.json()["fields"]["file"]
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", "这其实是一段文字，不是PDF".encode()),
        ("照片.png", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("表格.xlsx", PDF),
        ("说明.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
        ("伪装.pdf", b"<html><script>alert(1)</script></html>"),
        # RIFF is only the container; a WebP image says WEBP at byte 8, a WAV sound says WAVE.
        ("声音.webp", b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"),
    ],
    ids=["text-as-pdf", "jpeg-as-png", "pdf-as-xlsx", "binary-as-txt", "html-as-pdf", "wav-as-webp"],
)
def test_it_refuses_content_that_does_not_match_the_name(district, case, name, content):
    before = counts()

    response = send(district, case, district.alice, name, content)

    assert response.status_code == 400
    assert response.json()["code"] == "attachment_content_mismatch"
    assert response.json()["fields"]["file"]
    assert counts() == before


def test_it_refuses_an_empty_file(district, case):
    before = counts()

    response = send(district, case, district.alice, "空白.pdf", b"")

    assert response.status_code == 400
    assert response.json()["code"] == "attachment_empty"
    assert response.json()["fields"]["file"]
    assert counts() == before


def test_it_refuses_an_upload_without_a_file(district, case):
    before = counts()

    response = district.client(district.alice).post(
        f"/api/v1/cases/{case.pk}/attachments/", {"visibility": "public"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["fields"]["file"]
    assert counts() == before


def test_it_refuses_an_unknown_visibility(district, case):
    before = counts()

    response = send(district, case, district.carol, "a.pdf", PDF, visibility="secret")

    assert response.status_code == 400
    assert response.json()["fields"]["visibility"]
    assert counts() == before


def test_it_refuses_a_file_on_a_closed_case(district, case):
    case = services.case_withdraw(case=case, acting_user=district.alice, reason="问题已自行解决")
    before = counts()

    response = send(district, case, district.alice, "补充.pdf", PDF)

    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"
    assert counts() == before
