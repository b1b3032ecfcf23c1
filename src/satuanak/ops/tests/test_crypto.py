"""The backup encryption format: what goes in comes out, and any cut, swap, flip or wrong key
is refused with a message naming the problem (never wrong plaintext)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from satuanak.ops import crypto

CHUNK = 64  # small chunks: "many chunks" without megabytes of test data


@pytest.fixture
def key() -> bytes:
    return crypto.key_new()


def _records(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the sealed chunks of an encrypted blob (all full-size but the last)."""
    header, body = blob[: crypto.HEADER_BYTES], blob[crypto.HEADER_BYTES :]
    size = CHUNK + crypto.TAG_BYTES
    return header, [body[i : i + size] for i in range(0, len(body), size)]


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 10 * CHUNK + 7],
    ids=[
        "empty",
        "one-byte",
        "under-a-chunk",
        "exactly-one-chunk",
        "one-chunk-and-a-byte",
        "two-chunks",
        "many",
    ],
)
def test_round_trip(key: bytes, size: int) -> None:
    data = os.urandom(size)
    blob = crypto.encrypt_bytes(data, key, chunk_size=CHUNK)
    assert crypto.is_encrypted(blob)
    assert crypto.decrypt_bytes(blob, key) == data
    # Full chunks, then one final of 0..CHUNK bytes (empty only for an empty plaintext).
    full, rest = divmod(size, CHUNK)
    expected_chunks = full if (rest == 0 and size) else full + 1
    assert len(blob) == crypto.HEADER_BYTES + size + expected_chunks * crypto.TAG_BYTES


def test_round_trip_with_the_default_chunk_size_and_small_writes(key: bytes) -> None:
    data = os.urandom(crypto.DEFAULT_CHUNK_SIZE * 2 + 12345)
    sink = io.BytesIO()
    with crypto.EncryptingWriter(sink, key) as writer:
        for i in range(0, len(data), 10_240):  # the block size tar writes in
            writer.write(data[i : i + 10_240])
    reader = crypto.DecryptingReader(io.BytesIO(sink.getvalue()), key)
    assert io.BufferedReader(reader).read() == data


def test_the_same_plaintext_encrypts_differently_each_time(key: bytes) -> None:
    assert crypto.encrypt_bytes(b"anak", key) != crypto.encrypt_bytes(b"anak", key)


def test_wrong_key_is_named_as_such(key: bytes) -> None:
    blob = crypto.encrypt_bytes(b"data anak", key, chunk_size=CHUNK)
    with pytest.raises(crypto.WrongKeyError, match=r"Kunci salah.*wrong key"):
        crypto.decrypt_bytes(blob, crypto.key_new())


def test_a_truncated_archive_is_refused(key: bytes) -> None:
    blob = crypto.encrypt_bytes(os.urandom(5 * CHUNK + 10), key, chunk_size=CHUNK)
    header, records = _records(blob)
    cuts = {
        "mid-chunk": blob[:-5],
        "at-a-chunk-boundary": header + b"".join(records[:-1]),  # the last full chunk was not final
        "header-only": header,
        "partial-header": blob[:20],
    }
    for name, cut in cuts.items():
        with pytest.raises(crypto.DamagedArchiveError, match=r"rusak.*damaged"):
            crypto.decrypt_bytes(cut, key)
            pytest.fail(f"accepted a file cut {name}")


def test_an_exact_multiple_cut_at_the_boundary_is_refused(key: bytes) -> None:
    # 4 full chunks: the 4th is final; cut after the 3rd, which was sealed as not final.
    blob = crypto.encrypt_bytes(os.urandom(4 * CHUNK), key, chunk_size=CHUNK)
    header, records = _records(blob)
    assert len(records) == 4
    with pytest.raises(crypto.DamagedArchiveError):
        crypto.decrypt_bytes(header + b"".join(records[:3]), key)


def test_bytes_appended_after_the_end_are_refused(key: bytes) -> None:
    blob = crypto.encrypt_bytes(os.urandom(3 * CHUNK), key, chunk_size=CHUNK)
    _header, records = _records(blob)
    for extra in (b"x", records[0]):
        with pytest.raises(crypto.DamagedArchiveError):
            crypto.decrypt_bytes(blob + extra, key)


def test_a_flipped_byte_anywhere_is_refused(key: bytes) -> None:
    blob = crypto.encrypt_bytes(os.urandom(3 * CHUNK + 5), key, chunk_size=CHUNK)
    magic = len(crypto.MAGIC)
    for position in [
        magic,
        magic + 2,
        crypto.HEADER_BYTES - 1,
        crypto.HEADER_BYTES + 3,
        len(blob) // 2,
        len(blob) - 1,
    ]:
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(crypto.BackupCryptoError) as caught:
            crypto.decrypt_bytes(bytes(damaged), key)
        # A flipped key id reads as a wrong key; every other flip as damage.
        assert isinstance(caught.value, crypto.DamagedArchiveError | crypto.WrongKeyError), position
        assert " / " in str(caught.value)


def test_swapped_or_repeated_chunks_are_refused(key: bytes) -> None:
    blob = crypto.encrypt_bytes(os.urandom(4 * CHUNK + 3), key, chunk_size=CHUNK)
    header, records = _records(blob)
    swapped = [records[1], records[0], *records[2:]]
    repeated = [records[0], records[0], *records[2:]]
    dropped = [records[0], *records[2:]]
    for order in (swapped, repeated, dropped):
        with pytest.raises(crypto.DamagedArchiveError, match=r"chunk \d"):
            crypto.decrypt_bytes(header + b"".join(order), key)


def test_chunks_of_another_archive_under_the_same_key_are_refused(key: bytes) -> None:
    one = crypto.encrypt_bytes(os.urandom(3 * CHUNK), key, chunk_size=CHUNK)
    two = crypto.encrypt_bytes(os.urandom(3 * CHUNK), key, chunk_size=CHUNK)
    header, records = _records(one)
    _h, other = _records(two)
    with pytest.raises(crypto.DamagedArchiveError):
        crypto.decrypt_bytes(header + records[0] + other[1] + records[2], key)


def test_nothing_is_returned_before_it_is_authenticated(key: bytes) -> None:
    blob = bytearray(crypto.encrypt_bytes(os.urandom(3 * CHUNK), key, chunk_size=CHUNK))
    blob[crypto.HEADER_BYTES + 1] ^= 0xFF  # first chunk
    reader = crypto.DecryptingReader(io.BytesIO(bytes(blob)), key)
    with pytest.raises(crypto.DamagedArchiveError, match="chunk 0"):
        reader.read(1)


def test_a_plain_file_is_not_taken_for_an_archive(key: bytes) -> None:
    with pytest.raises(crypto.NotEncryptedError, match=r"Bukan.*not an encrypted"):
        crypto.decrypt_bytes(b"ustar" + bytes(600), key)


def test_a_header_claiming_a_huge_chunk_size_is_refused(key: bytes) -> None:
    blob = bytearray(crypto.encrypt_bytes(b"x", key, chunk_size=CHUNK))
    size_at = len(crypto.MAGIC) + 1
    blob[size_at : size_at + 4] = (1 << 31).to_bytes(4, "big")
    with pytest.raises(crypto.DamagedArchiveError, match="chunk size"):
        crypto.decrypt_bytes(bytes(blob), key)


def test_key_file_is_private_never_overwritten_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "satuanak-backup.key"
    key = crypto.key_file_write(path)
    assert len(key) == crypto.KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert crypto.key_file_read(path) == key
    with pytest.raises(crypto.KeyFileError, match=r"sudah ada.*already exists"):
        crypto.key_file_write(path)
    assert crypto.key_file_read(path) == key  # untouched


def test_bad_key_files_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(crypto.KeyFileError, match=r"tidak ditemukan.*not found"):
        crypto.key_file_read(tmp_path / "missing.key")
    for content in (b"not base64 at all!\n", b"c2hvcnQ=\n", b""):
        bad = tmp_path / "bad.key"
        bad.write_bytes(content)
        with pytest.raises(crypto.KeyFileError, match=r"tidak sah.*invalid"):
            crypto.key_file_read(bad)


def test_key_fingerprint_identifies_without_revealing(key: bytes) -> None:
    fingerprint = crypto.key_fingerprint(key)
    assert len(fingerprint) == 2 * crypto.KEY_ID_BYTES
    assert fingerprint == crypto.key_fingerprint(key) != crypto.key_fingerprint(crypto.key_new())
    assert fingerprint not in key.hex()
