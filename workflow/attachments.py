"""Which uploads are accepted: documents and images, recognised by name and by their first bytes."""

from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import InvalidInput

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# extension -> (content type stored and served, accepted leading bytes; None for plain text)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),  # and "WEBP" at byte 8, checked below
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    ".txt": ("text/plain; charset=utf-8", None),
    ".csv": ("text/csv; charset=utf-8", None),
}


def content_type_for_upload(upload: UploadedFile) -> str:
    """The content type to store, or InvalidInput saying why the file is refused."""
    limit = settings.HUIYIN["ATTACHMENT_MAX_BYTES"]
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."), code="attachment_empty", fields={"file": [_("The file is empty.")]})
    if upload.size > limit:
        message = _("The file is %(size)s; files may be at most %(limit)s.") % {
            "size": filesizeformat(upload.size),  # type: ignore[arg-type]  # an upload has a size; the stubs allow None
            "limit": filesizeformat(limit),
        }
        raise InvalidInput(message, code="attachment_too_large", fields={"file": [message]})
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    allowed = ALLOWED_TYPES.get(suffix)
    if allowed is None:
        message = _("Files of this type are not accepted. Accepted: %(types)s.") % {
            "types": ", ".join(sorted(ALLOWED_TYPES))
        }
        raise InvalidInput(message, code="attachment_type_refused", fields={"file": [message]})
    content_type, signatures = allowed
    head = upload.read(16)
    upload.seek(0)
    if signatures is None:
        looks_right = b"\x00" not in head
    else:
        looks_right = any(head.startswith(signature) for signature in signatures)
    if suffix == ".webp":
        # RIFF is shared with WAV and AVI; the form type names the image.
        looks_right = looks_right and head[8:12] == b"WEBP"
    if not looks_right:
        message = _("The file's content does not match its name %(name)s.") % {"name": upload.name}
        raise InvalidInput(message, code="attachment_content_mismatch", fields={"file": [message]})
    return content_type
