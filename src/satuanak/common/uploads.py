"""Evidence and attachment files: checked by their bytes, stored by their hash.

What a file is comes from its first bytes (PDF, PNG, JPEG), never from its name: an executable
renamed "foto.jpg" is refused. Names that carry a path ("../../etc/passwd", "C:\\x\\y.pdf") are
refused rather than silently cut, so the person uploading sees what happened. Accepted files are
written once under MEDIA_ROOT/<folder>/<sha256><ext>; the name a person gave is kept only as a
label. Serving them is the caller's business, through its own scoped selector.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.http import FileResponse, Http404

# (magic bytes, content type, file extension)
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
EXTENSIONS = {content_type: ext for _magic, content_type, ext in SIGNATURES}


class UploadError(ValueError):
    """A file refused, with a message in Bahasa Indonesia and English."""


class UploadedFileLike(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def size(self) -> int | None: ...

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    data: bytes
    content_type: str
    ext: str
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def type_of(data: bytes) -> tuple[str, str]:
    """(content type, extension) read from the first bytes; UploadError for anything else."""
    for magic, content_type, ext in SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    raise UploadError(
        "Berkas harus PDF, PNG atau JPEG (dibaca dari isi berkas). / "
        "The file must be a PDF, PNG or JPEG (read from its content)."
    )


def checked_file(f: UploadedFileLike, *, max_bytes: int) -> CheckedFile:
    raw_name = f.name or ""
    if not raw_name.strip():
        raise UploadError("Berkas tanpa nama. / The file has no name.")
    if "/" in raw_name or "\\" in raw_name or raw_name in (".", "..") or "\x00" in raw_name:
        raise UploadError(
            f"Nama berkas tidak boleh memuat folder: {raw_name[:80]!r}. / "
            f"The file name must not contain a path: {raw_name[:80]!r}."
        )
    name = raw_name[:255]
    limit_mb = max_bytes // (1024 * 1024)
    if f.size is not None and f.size > max_bytes:
        raise UploadError(f"{name}: lebih dari {limit_mb} MB. / {name}: larger than {limit_mb} MB.")
    data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(f"{name}: lebih dari {limit_mb} MB. / {name}: larger than {limit_mb} MB.")
    if not data:
        raise UploadError(f"{name}: berkas kosong. / {name}: the file is empty.")
    try:
        content_type, ext = type_of(data)
    except UploadError as exc:
        raise UploadError(f"{name}: {exc}") from exc
    return CheckedFile(name, data, content_type, ext, hashlib.sha256(data).hexdigest())


def checked_files(files: Sequence[UploadedFileLike], *, max_bytes: int, max_files: int) -> list[CheckedFile]:
    if len(files) > max_files:
        raise UploadError(f"Paling banyak {max_files} berkas. / At most {max_files} files.")
    return [checked_file(f, max_bytes=max_bytes) for f in files]


def store(item: CheckedFile, *, folder: str) -> str:
    """Write the bytes under MEDIA_ROOT/<folder>/<sha256><ext> (once); the relative name."""
    relative = f"{folder}/{item.sha256}{item.ext}"
    target = Path(settings.MEDIA_ROOT) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(item.data)
            os.replace(tmp, target)  # never a half-written file under the final name
        except BaseException:
            # A full disk leaves the part written so far: it must not stay and fill it further.
            Path(tmp).unlink(missing_ok=True)
            raise
    return relative


def stored_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def file_response(
    *, stored_name: str, content_type: str, original_name: str, inline: bool = False
) -> FileResponse:
    """A stored file for download (or, `inline`, an image preview); the caller has checked scope
    and audited. The name ends with what the bytes are (a PNG called x.pdf downloads as x.pdf.png),
    and the file is never cached, sniffed into another type, or allowed to run anything."""
    stored = stored_path(stored_name)
    if not stored.is_file():
        raise Http404("Berkas tidak ada di penyimpanan / file missing from storage")
    ext = EXTENSIONS[content_type]
    name = original_name
    if not name.lower().endswith((ext, ".jpeg") if ext == ".jpg" else ext):
        name += ext
    response = FileResponse(
        stored.open("rb"), content_type=content_type, as_attachment=not inline, filename=name
    )
    response["Cache-Control"] = "no-store"  # personal data must not sit in a shared cache
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
