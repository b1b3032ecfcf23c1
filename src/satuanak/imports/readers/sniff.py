"""What kind of file this is, from its bytes (the extension is only a hint people get wrong)."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path
from typing import Literal

from satuanak.imports.readers.errors import ReadError

Kind = Literal["xlsx", "xls", "text"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_LOCAL_HEADER = re.compile(rb"PK\x03\x04")
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"RIFF", "RIFF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"PK\x05\x06", "zip"),
)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26))


def wrong_type(what: str) -> ReadError:
    return ReadError(
        "wrong_type",
        f"Berkas ini bukan CSV atau Excel ({what}). Unggah berkas .csv, .xlsx atau .xls. "
        f"/ This file is not a CSV or Excel file ({what}). Upload a .csv, .xlsx or .xls file.",
    )


def truncated() -> ReadError:
    return ReadError(
        "truncated",
        "Berkas Excel rusak atau terpotong (mungkin unggahan/unduhan tidak selesai). Simpan ulang dari "
        "Excel lalu unggah lagi. / The Excel file is damaged or cut short (perhaps an incomplete "
        "upload or download). Save it again from Excel and upload it again.",
    )


def _zip_names_from_local_headers(head: bytes) -> list[str]:
    """Entry names in the local file headers of a zip whose central directory is missing."""
    names = []
    for m in _LOCAL_HEADER.finditer(head):
        start = m.start()
        if start + 30 > len(head):
            break
        name_len, extra_len = struct.unpack_from("<HH", head, start + 26)
        raw = head[start + 30 : start + 30 + name_len]
        if len(raw) == name_len and name_len:
            names.append(raw.decode("utf-8", errors="replace"))
        _ = extra_len
    return names


def _is_ooxml_workbook(names: list[str]) -> bool:
    return any(n.lower() in ("xl/workbook.xml", "xl/workbook.bin") for n in names)


def classify(path: Path, head: bytes, size: int) -> Kind:
    """The reader to use, or ReadError for a file that is no table at all."""
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
            # No readable central directory: the end of the file is missing.  Its local headers
            # still tell a cut workbook from another kind of zip.
            with path.open("rb") as fh:
                prefix = fh.read(min(size, 64 * 1024 * 1024))
            local = _zip_names_from_local_headers(prefix)
            if any(n.startswith(("word/", "ppt/")) for n in local):
                raise wrong_type("dokumen Office lain / another Office document") from None
            if any(n.startswith("xl/") or n == "[Content_Types].xml" for n in local):
                raise truncated() from None
            raise wrong_type("arsip zip rusak / a damaged zip archive") from None
        if _is_ooxml_workbook(names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            raise wrong_type("dokumen Word / a Word document")
        if any(n.startswith("ppt/") for n in names):
            raise wrong_type("presentasi PowerPoint / a PowerPoint presentation")
        if "mimetype" in names and any(n == "content.xml" for n in names):
            raise wrong_type(
                "dokumen OpenDocument; simpan sebagai .xlsx / an OpenDocument file; save as .xlsx"
            )
        raise wrong_type("arsip zip / a zip archive")
    if head.startswith(OLE2_MAGIC):
        return "xls"
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise wrong_type(what)
    return "text"


def looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control characters: not text in any encoding the readers accept."""
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > max(8, len(sample) // 100)
