"""Uploaded files are judged by their bytes; names with a path, empty and oversized files are refused."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from satuanak.common.uploads import UploadError, checked_file, store


@dataclass
class RawFile:
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, size: int = -1, /) -> bytes:
        return self.data if size < 0 else self.data[:size]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("foto.jpg", EXE, "PDF, PNG atau JPEG"),  # an executable renamed .jpg
        ("kosong.pdf", b"", "berkas kosong"),
        ("besar.pdf", PDF + b"0" * 2048, "lebih dari"),
        ("../../etc/passwd.pdf", PDF, "tidak boleh memuat folder"),
        ("C:\\\\Users\\\\x\\\\bukti.pdf", PDF, "tidak boleh memuat folder"),
    ],
)
def test_refused_with_a_bilingual_reason(name: str, data: bytes, message: str) -> None:
    # A plain file object, as an API or a sync client hands over: Django's form parser already
    # cuts a path off a browser upload's name, but the service must not rely on its caller.
    f = RawFile(name, data)
    with pytest.raises(UploadError) as err:
        checked_file(f, max_bytes=1024)
    assert message in str(err.value) and " / " in str(err.value)


def test_type_comes_from_the_bytes_and_the_file_is_stored_by_its_hash(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    item = checked_file(SimpleUploadedFile("surat.pdf", PNG), max_bytes=1024)
    assert (item.content_type, item.ext, item.is_image) == ("image/png", ".png", True)
    relative = store(item, folder="bukti")
    assert relative == f"bukti/{item.sha256}.png" and (tmp_path / relative).read_bytes() == PNG
    assert store(item, folder="bukti") == relative  # the same bytes are written once


def test_a_stored_file_is_served_uncached_unsniffed_and_named_for_its_bytes(
    settings: Any, tmp_path: Path
) -> None:
    from django.http import Http404

    from satuanak.common.uploads import file_response

    settings.MEDIA_ROOT = tmp_path
    item = checked_file(SimpleUploadedFile("surat.pdf", PNG), max_bytes=1024)
    relative = store(item, folder="bukti")
    response = file_response(
        stored_name=relative, content_type=item.content_type, original_name=item.original_name
    )
    assert b"".join(response.streaming_content) == PNG  # type: ignore[arg-type]
    assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert (
        "surat.pdf.png" in response["Content-Disposition"] and "attachment" in response["Content-Disposition"]
    )
    preview = file_response(
        stored_name=relative, content_type="image/png", original_name="x.png", inline=True
    )
    assert "inline" in preview["Content-Disposition"]
    with pytest.raises(Http404):
        file_response(stored_name="bukti/missing.png", content_type="image/png", original_name="x.png")
