"""Files from patients: only what we can read, checked on the bytes themselves.

A lab report photo, a PDF discharge summary, a scan report. The type the
provider reports is not trusted: the first bytes decide (JPEG, PNG, PDF,
HEIC/HEIF, WebP). Anything else, or a file over the size cap, is refused
with a clear answer to the patient; nothing refused is stored.

Pure functions: no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

#: Content types accepted, by what the bytes are.
ALLOWED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "image/heic": ".heic",
    "image/webp": ".webp",
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}

#: Outcomes the patient is told about (see data/responses/whatsapp.yml).
OK = "saved"
TOO_LARGE = "too_large"
WRONG_TYPE = "wrong_type"
UNAVAILABLE = "unavailable"
CORRUPT = "corrupt"


def sniff(data: bytes) -> Optional[str]:
    r"""The content type the bytes show, or None when it is not an allowed type.

    >>> sniff(b"%PDF-1.7 ..."), sniff(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff(b"GIF89a")
    ('application/pdf', 'image/png', None)
    """
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-"):
        return "application/pdf"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Checked:
    """The verdict on one downloaded file.

    Attributes:
        outcome: :data:`OK` or the reason it was refused.
        content_type: what the bytes are (when accepted).
        filename: a safe file name to show staff.
    """

    outcome: str
    content_type: str = ""
    filename: str = ""

    @property
    def ok(self) -> bool:
        """True when the file may be stored."""
        return self.outcome == OK


def safe_filename(name: str, content_type: str, fallback: str) -> str:
    """A file name without paths or odd characters, with the right extension.

    >>> safe_filename("../../etc/passwd", "application/pdf", "report")
    'passwd.pdf'
    """
    base = (name or "").replace("\\", "/").split("/")[-1]
    base = "".join(c for c in base if c.isalnum() or c in "._- ")[:100].strip(" .")
    extension = ALLOWED.get(content_type, "")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or fallback}{extension}"


def check(
    data: bytes,
    *,
    max_bytes: int,
    expected_sha256: str = "",
    filename: str = "",
    fallback_name: str = "attachment",
) -> Checked:
    """Decide whether a downloaded file may be stored.

    Args:
        data: the file's bytes.
        max_bytes: the size cap.
        expected_sha256: the provider's checksum (Meta sends one), if any.
        filename: the name the patient's phone gave it, if any.
        fallback_name: the name to use when there is none.
    """
    if len(data) > max_bytes:
        return Checked(TOO_LARGE)
    if not data:
        return Checked(CORRUPT)
    if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256.lower():
        return Checked(CORRUPT)
    content_type = sniff(data)
    if content_type is None:
        return Checked(WRONG_TYPE)
    return Checked(
        OK, content_type, safe_filename(filename, content_type, fallback_name)
    )
