"""Streaming authenticated encryption of backup archives (AES-256-GCM in sealed chunks).

Pure Python on `cryptography`, no Django: the format must stay readable by a restore on a
fresh machine, and is small enough to be re-implemented from this description alone.

File layout (version 1), all integers big-endian:

    header (37 bytes)
        magic          16 bytes  b"SATUANAK-BACKUP\\x00"
        version         1 byte   1
        chunk_size      4 bytes  plaintext bytes per chunk (1 MiB by default)
        key_id          8 bytes  first 8 bytes of HMAC-SHA256(key, b"satuanak-backup key id")
        nonce_prefix    8 bytes  random, new for every file
    chunks, one after another
        ciphertext || 16-byte GCM tag, sealed with
            nonce = nonce_prefix || counter (4 bytes, 0, 1, 2, ...)
            associated data = header || final flag (1 byte: 0x01 on the last chunk, else 0x00)

Every chunk but the last holds exactly chunk_size plaintext bytes; the last holds 0..chunk_size
(0 only when the whole plaintext is empty). Why each piece:

* The counter in the nonce makes chunks that were swapped, dropped or repeated fail their tag.
* The final flag makes a file cut at a chunk boundary fail: the chunk that is now last was
  sealed as "not final". Bytes appended after the real last chunk fail the same way.
* The header in the associated data makes an edited header (another chunk size, another
  nonce prefix) fail on the first chunk.
* The key id lets a wrong key be named as such before any decryption; it reveals nothing of the
  key (an HMAC output) and is also how an operator tells which key an archive needs.
* A random 64-bit nonce prefix per file and a 32-bit counter keep nonces unique under one
  long-lived key for any realistic number of archives (and up to 4 Ti chunks per file).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SATUANAK-BACKUP\x00"
VERSION = 1
KEY_BYTES = 32
TAG_BYTES = 16
NONCE_PREFIX_BYTES = 8
KEY_ID_BYTES = 8
DEFAULT_CHUNK_SIZE = 1 << 20
# A header may claim any chunk size; a reader allocates that much, so bound it.
MIN_CHUNK_SIZE = 16
MAX_CHUNK_SIZE = 64 << 20
_HEADER = struct.Struct(f">{len(MAGIC)}sBI{KEY_ID_BYTES}s{NONCE_PREFIX_BYTES}s")
HEADER_BYTES = _HEADER.size
_MAX_CHUNKS = 1 << 32
_KEY_ID_LABEL = b"satuanak-backup key id"


class BackupCryptoError(Exception):
    """Anything wrong with a key or an encrypted archive; the message is "Indonesian / English"."""


class WrongKeyError(BackupCryptoError):
    pass


class DamagedArchiveError(BackupCryptoError):
    pass


class NotEncryptedError(BackupCryptoError):
    pass


class KeyFileError(BackupCryptoError):
    pass


# ---------------------------------------------------------------- keys


def key_new() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_id(key: bytes) -> bytes:
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).digest()[:KEY_ID_BYTES]


def key_fingerprint(key: bytes) -> str:
    """The key id as text an operator can compare with what `backup` prints (e.g. on the label)."""
    return key_id(key).hex()


def key_file_write(path: Path) -> bytes:
    """Write a new random key, base64 on one line, readable by its owner only; never overwrite."""
    key = key_new()
    text = base64.b64encode(key) + b"\n"
    try:
        # O_EXCL: an existing key may be the only way to read years of archives.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(
            f"Berkas kunci sudah ada, tidak ditimpa / key file already exists, not overwritten: {path}"
        ) from None
    except OSError as exc:
        raise KeyFileError(
            f"Berkas kunci tidak dapat ditulis / cannot write the key file: {path} ({exc.strerror})"
        ) from None
    with os.fdopen(fd, "wb") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return key


def key_file_read(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"Berkas kunci tidak ditemukan / key file not found: {path}") from None
    except OSError as exc:
        raise KeyFileError(
            f"Berkas kunci tidak dapat dibaca / cannot read the key file: {path} ({exc.strerror})"
        ) from None
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(
            "Berkas kunci tidak sah (harus 32 bita dalam base64) / "
            f"invalid key file (must be 32 bytes in base64): {path}"
        )
    return key


# ---------------------------------------------------------------- format


def is_encrypted(first_bytes: bytes) -> bool:
    return first_bytes.startswith(MAGIC)


def _nonce(prefix: bytes, counter: int) -> bytes:
    if counter >= _MAX_CHUNKS:
        raise BackupCryptoError("Arsip terlalu besar / archive too large")
    return prefix + counter.to_bytes(4, "big")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream: plaintext in, the format above out to `sink`.

    close() seals the final chunk (without it the archive is, correctly, unreadable); it does
    not close `sink`.
    """

    def __init__(self, sink: BinaryIO, key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        super().__init__()
        if len(key) != KEY_BYTES:
            raise KeyFileError("Kunci harus 32 bita / the key must be 32 bytes")
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size out of range: {chunk_size}")
        self._sink = sink
        self._aead = AESGCM(key)
        self._chunk_size = chunk_size
        self._prefix = secrets.token_bytes(NONCE_PREFIX_BYTES)
        self._header = _HEADER.pack(MAGIC, VERSION, chunk_size, key_id(key), self._prefix)
        self._buffer = bytearray()
        self._counter = 0
        sink.write(self._header)

    def writable(self) -> bool:
        return True

    def _seal(self, data: bytes, *, final: bool) -> None:
        nonce = _nonce(self._prefix, self._counter)
        self._sink.write(self._aead.encrypt(nonce, data, self._header + (b"\x01" if final else b"\x00")))
        self._counter += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed EncryptingWriter")
        self._buffer += data
        # Strictly more than a chunk: the last full chunk may turn out to be the final one.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._sink.flush()
        super().close()


def _read_exactly(source: BinaryIO, n: int) -> bytes:
    parts = []
    while n > 0:
        part = source.read(n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


DAMAGED = "Arsip rusak, terpotong atau diubah / the archive is damaged, truncated or was altered"


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext of `source`. Every chunk is authenticated before a
    byte of it is returned; the end of the plaintext is only reported (b"") after the final
    chunk has been authenticated, so a reader that reaches EOF has read the whole, unaltered
    archive."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        super().__init__()
        header = _read_exactly(source, HEADER_BYTES)
        if header[: len(MAGIC)] != MAGIC:
            raise NotEncryptedError(
                "Bukan arsip cadangan terenkripsi Satu Data Anak / not an encrypted Satu Data Anak backup"
            )
        if len(header) < HEADER_BYTES:
            raise DamagedArchiveError(f"{DAMAGED} (header)")
        _magic, version, chunk_size, kid, prefix = _HEADER.unpack(header)
        if version != VERSION:
            raise DamagedArchiveError(
                f"Versi format arsip {version} tidak dikenal / unknown archive format version {version}"
            )
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise DamagedArchiveError(f"{DAMAGED} (chunk size {chunk_size})")
        if not hmac.compare_digest(kid, key_id(key)):
            raise WrongKeyError(
                "Kunci salah: arsip ini dibuat dengan kunci lain / "
                f"wrong key: this archive was made with another key (key id {kid.hex()}, "
                f"given {key_fingerprint(key)})"
            )
        self._source = source
        self._aead = AESGCM(key)
        self._header = header
        self._prefix = prefix
        self._record = chunk_size + TAG_BYTES
        self._counter = 0
        self._plain = b""
        self._pos = 0
        self._done = False
        self._next = _read_exactly(source, self._record)
        if not self._next:
            raise DamagedArchiveError(f"{DAMAGED} (no data after the header)")
        self.key_id = kid.hex()

    def readable(self) -> bool:
        return True

    def _advance(self) -> None:
        record = self._next
        # One record of look-ahead: the last chunk is the one followed by nothing.
        self._next = _read_exactly(self._source, self._record) if len(record) == self._record else b""
        final = not self._next
        try:
            plain = self._aead.decrypt(
                _nonce(self._prefix, self._counter), record, self._header + (b"\x01" if final else b"\x00")
            )
        except InvalidTag:
            raise DamagedArchiveError(f"{DAMAGED} (chunk {self._counter})") from None
        self._counter += 1
        self._plain, self._pos = plain, 0
        self._done = final

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while self._pos >= len(self._plain):
            if self._done:
                return 0
            self._advance()
        n = min(len(view), len(self._plain) - self._pos)
        view[:n] = self._plain[self._pos : self._pos + n]
        self._pos += n
        return n

    def drain(self) -> None:
        """Read to the end, so the final chunk's tag is checked even when the consumer (tar)
        stops before the physical end of the plaintext."""
        while not self._done:
            self._advance()
        self._plain, self._pos = b"", 0


def encrypt_bytes(data: bytes, key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> bytes:
    sink = io.BytesIO()
    with EncryptingWriter(sink, key, chunk_size) as writer:
        writer.write(data)
    return sink.getvalue()


def decrypt_bytes(data: bytes, key: bytes) -> bytes:
    reader = DecryptingReader(io.BytesIO(data), key)
    out = reader.read()
    reader.drain()
    return out or b""
