"""Hashed matching wired in: an agency encodes a real export file (`satuanak privacy encode`), the
platform links the encoded file to the children in the database (`satuanak linkage
link-encoded`), and every row comes back matched, possible, unmatched or refused with a reason."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.linkage import encoded, privacy
from satuanak.linkage.management.commands.linkage import Command as LinkageCommand
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db

KEY = b"bengkayang-linkage-test-key-0123456789abcdef"
OTHER_KEY = b"another-agency-key-that-is-long-enough-0123"

# Names and NIK digits that must never appear in an encoded file.
CLEAR_WORDS = ("FIRMAN", "KURNIAWAN", "FATIMA", "AZAHRA", "RINA", "MARLINA", "WULANDARI", "RAMADHANI")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "linkage.key"
    path.write_bytes(KEY + b"\n")  # an editor's newline is not part of the key
    path.chmod(0o600)
    return path


@pytest.fixture
def children(db: None) -> dict[str, Child]:
    """Three children of Sungai Duri; B and C share a birth date and sex."""
    desa = Desa.objects.get(code="61.07.01.2001")
    made = {
        "a": ChildFactory.create(
            desa=desa,
            name="FIRMAN KURNIAWAN",
            sex="L",
            birth_date=date(2021, 3, 31),
            mother_name="SRI WULANDARI",
        ),
        "b": ChildFactory.create(
            desa=desa,
            name="FATIMAH AZZAHRA",
            sex="P",
            birth_date=date(2021, 4, 9),
            mother_name="RAHMA RAMADHANI",
        ),
        "c": ChildFactory.create(
            desa=desa, name="SITI NURHALIZA", sex="P", birth_date=date(2021, 4, 9), mother_name="NUR AINI"
        ),
    }
    ChildFactory.create_batch(5, desa=desa)  # others, born elsewhere in 2020
    return made


def _export(tmp_path: Path, children: dict[str, Child]) -> Path:
    """An immunisation register as a puskesmas saves it: a title row, odd header spellings,
    semicolons, day-first dates, desa by name."""
    a = children["a"]
    lines = [
        "DAFTAR IMUNISASI PUSKESMAS SUNGAI DURI TAHUN 2024;;;;;;;;;",
        "Nik Anak;Nama Bayi;Tgl. Lahir;Jenis Kelamin;Nama Ibu Kandung;Desa/Kel;Kec;Antigen;"
        "Tanggal Imunisasi;Lokasi",
        # 1. A with its NIK
        f"{a.nik};Firman Kurniawan;31/03/2021;L;Sri Wulandari;Sungai Duri;Sungai Raya;DPT-HB-Hib 1;"
        "05/06/2021;Posyandu",
        # 2. B without NIK, her name mistyped
        ";Fatima Azahra;09/04/2021;P;Rahma Ramadhani;Sungai Duri;Sungai Raya;BCG;10/05/2021;Posyandu",
        # 3. a child not in the database, born the same day as B and C, same sex, same desa
        ";Rina Marlina;09/04/2021;P;Dewi Sartika;Sungai Duri;Sungai Raya;BCG;10/05/2021;Posyandu",
        # 4. no sex: the import would refuse it
        ";Firman Kurniawan;31/03/2021;;Sri Wulandari;Sungai Duri;Sungai Raya;Campak 1;01/02/2022;Posyandu",
        # 5. A again, a later dose
        f"{a.nik};FIRMAN KURNIAWAN;31/03/2021;L;Sri Wulandari;Sungai Duri;Sungai Raya;Polio 1;"
        "05/06/2021;Posyandu",
    ]
    path = tmp_path / "imunisasi sungai duri.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _encode(tmp_path: Path, children: dict[str, Child], key_file: Path, *extra: str) -> Path:
    out = tmp_path / "encoded.csv"
    call_command(
        "privacy", "encode", str(_export(tmp_path, children)), str(out), "--key-file", str(key_file), *extra
    )
    return out


def _link(encoded_csv: Path, key_file: Path, out: Path, *extra: str) -> pl.DataFrame:
    call_command(
        "linkage",
        "link-encoded",
        str(encoded_csv),
        "--key-file",
        str(key_file),
        "--source",
        "imunisasi",
        "--out",
        str(out),
        *extra,
    )
    return pl.read_csv(out, infer_schema=False)


# --- the agency's side -----------------------------------------------------------------------


def test_encode_writes_tokens_and_no_clear_identity(
    tmp_path: Path, children: dict[str, Child], key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _encode(tmp_path, children, key_file, "--key-id", "bkl-2025", "--keep", "Antigen")
    text = out.read_text(encoding="utf-8")
    upper = text.upper()
    for word in CLEAR_WORDS:
        assert word not in upper, word
    for child in children.values():
        assert child.nik not in text
        assert child.nik[:8] not in text  # not even the region and birth-date part
    assert "2021-03-31" not in text and "31/03/2021" not in text

    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns == [*encoded.WIRE_COLUMNS, "Antigen"]
    assert frame.height == 5  # one row per data row: the title row is not one
    # the row numbers the agency's file shows (title on line 1, header on line 2)
    assert frame["row_ref"].to_list() == ["3", "4", "5", "6", "7"]
    assert frame["key_id"].unique().to_list() == [privacy.key_id(KEY, "bkl-2025")]
    assert frame["scheme"].unique().to_list() == [privacy.VERSION]
    first = frame.row(0, named=True)
    assert first["nik_hmac"] == privacy.hmac_token(children["a"].nik, KEY, kind="nik")
    assert first["dob_hmac"] == privacy.hmac_token("2021-03-31", KEY, kind="dob")
    assert first["dob_ym_hmac"] == privacy.hmac_token("2021-03", KEY, kind="dob_ym")
    assert first["dob_year_hmac"] == privacy.hmac_token("2021", KEY, kind="dob_year")
    assert first["name_hmacs"].split(" ") == [
        privacy.hmac_token(w, KEY, kind="name_part") for w in ("FIRMAN", "KURNIAWAN")
    ]
    assert len(first["name_bloom"]) == 172 and first["sex"] == "L" and first["desa"] == "61.07.01.2001"
    assert first["Antigen"] == "DPT-HB-Hib 1" and first["refused"] is None
    # the row the import would refuse: no tokens, the column and the check, never the value
    refused = frame.row(3, named=True)
    assert refused["nik_hmac"] is None and refused["name_bloom"] is None
    assert refused["refused"] == "Jenis Kelamin:required"
    said = capsys.readouterr().out
    assert "5 baris / rows = 4 dikode / encoded + 1 ditolak / refused" in said
    assert "header on row 2" in said


@pytest.mark.parametrize("column", ["Nama Ibu Kandung", "Nik Anak", "name", "Tgl. Lahir", "nowhere"])
def test_encode_refuses_to_keep_an_identifying_or_unknown_column(
    tmp_path: Path, children: dict[str, Child], key_file: Path, column: str
) -> None:
    with pytest.raises(CommandError, match=r"tidak boleh dikirim terbuka|tidak ada di berkas"):
        _encode(tmp_path, children, key_file, "--keep", column)
    assert not (tmp_path / "encoded.csv").exists()


def test_encode_bad_input_is_a_clear_message(tmp_path: Path, key_file: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("apa;ini\nsatu;dua\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--format"):
        call_command("privacy", "encode", str(notes), str(tmp_path / "o.csv"), "--key-file", str(key_file))
    with pytest.raises(CommandError, match="not found"):
        call_command(
            "privacy",
            "encode",
            str(tmp_path / "none.csv"),
            str(tmp_path / "o.csv"),
            "--key-file",
            str(key_file),
        )


def test_key_file_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * 31 + b"\n")
    with pytest.raises(CommandError, match=r"terlalu pendek.*too short"):
        call_command("privacy", "key-id", "--key-file", str(short))
    with pytest.raises(CommandError, match="SATUANAK_LINKAGE_KEY_FILE"):
        call_command("privacy", "key-id")

    new = tmp_path / "new.key"
    call_command("privacy", "new-key", str(new))
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o600
    first = new.read_bytes()
    assert len(first.rstrip(b"\n")) >= encoded.MIN_KEY_BYTES
    with pytest.raises(CommandError, match="tidak ditimpa"):
        call_command("privacy", "new-key", str(new))
    assert new.read_bytes() == first
    capsys.readouterr()
    call_command("privacy", "key-id", "--key-file", str(new), "--key-id", "bkl-2025")
    said = capsys.readouterr().out.strip()
    assert said == privacy.key_id(first.rstrip(b"\n"), "bkl-2025")
    assert first.decode().strip() not in said  # the id is not the key


def test_key_from_the_setting(tmp_path: Path, key_file: Path, settings: Any) -> None:
    settings.SATUANAK_LINKAGE_KEY_FILE = str(key_file)
    assert encoded.linkage_key_read(encoded.linkage_key_path(None)) == KEY


# --- the platform's side ---------------------------------------------------------------------


def test_link_encoded_finds_the_children_and_accounts_for_every_row(
    tmp_path: Path, children: dict[str, Child], key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enc = _encode(tmp_path, children, key_file, "--keep", "Antigen")
    capsys.readouterr()
    result = _link(enc, key_file, tmp_path / "result.csv")
    by_ref = {r["row_ref"]: r for r in result.iter_rows(named=True)}
    a, b, c = (str(children[k].pk) for k in "abc")
    # A by its NIK token, twice
    assert by_ref["3"]["class"] == "match" and by_ref["3"]["child_id"] == a
    assert by_ref["7"]["class"] == "match" and by_ref["7"]["child_id"] == a
    # B, mistyped and without NIK, through the Bloom filter of her name
    assert by_ref["4"]["class"] == "match" and by_ref["4"]["child_id"] == b
    # same birth date, sex and desa as B and C but another child: no match, neither B nor C
    assert by_ref["5"]["class"] == "no_match" and by_ref["5"]["child_id"] is None
    assert by_ref["5"]["score"] is not None and float(by_ref["5"]["score"]) < privacy.POSSIBLE_AT
    assert c not in {r["child_id"] for r in by_ref.values()}
    # the agency's refusal travels with its reason
    assert by_ref["6"]["class"] == "refused" and by_ref["6"]["reason_code"] == "agency_refused"
    assert "Jenis Kelamin:required" in by_ref["6"]["reason"]
    # every row read is in the result, once; the payload column follows
    assert result.height == 5 and sorted(by_ref) == ["3", "4", "5", "6", "7"]
    assert result.columns == ["row_ref", "child_id", "score", "class", "reason_code", "reason", "Antigen"]
    assert by_ref["4"]["Antigen"] == "BCG"
    said = capsys.readouterr().out
    assert "5 baris / rows = 3 cocok / matched + 0 mungkin / possible + 1 tidak cocok / no match" in said
    assert "+ 1 ditolak / refused" in said
    assert "terhadap / against 8 anak / children" in said

    event = AuditEvent.objects.get(action=AuditAction.LINKAGE_RUN, subject_type="encoded_file")
    assert event.detail["status"] == "done" and event.detail["source"] == "imunisasi"
    assert (event.detail["rows"], event.detail["matched"], event.detail["refused"]) == (5, 3, 1)
    assert KEY.decode() not in str(event.detail)


def test_wrong_key_is_refused_with_a_message_and_a_non_zero_exit(
    tmp_path: Path, children: dict[str, Child], key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enc = _encode(tmp_path, children, key_file, "--key-id", "bkl-2025")
    other = tmp_path / "other.key"
    other.write_bytes(OTHER_KEY)
    other.chmod(0o600)
    with pytest.raises(CommandError) as err:
        _link(enc, other, tmp_path / "result.csv")
    message = str(err.value)
    assert "bukan kunci yang diberikan" in message and "not the key given" in message
    assert privacy.key_id(KEY, "bkl-2025") in message
    assert not (tmp_path / "result.csv").exists()
    # the right key under another label is refused too: the operators' labels must agree
    with pytest.raises(CommandError, match="not the key given"):
        _link(enc, key_file, tmp_path / "result.csv", "--key-id", "bkl-2024")

    refused = AuditEvent.objects.filter(action=AuditAction.LINKAGE_RUN, subject_type="encoded_file")
    assert [e.detail["status"] for e in refused] == ["refused", "refused"]
    assert {e.detail["reason"] for e in refused} == {"key_mismatch"}

    # from the command line: the message on stderr, exit status 1, no traceback (last: the
    # command line closes the database connections when it ends)
    capsys.readouterr()
    argv = [
        "satuanak",
        "linkage",
        "link-encoded",
        str(enc),
        "--key-file",
        str(other),
        "--source",
        "imunisasi",
    ]
    with pytest.raises(SystemExit) as exit_:
        LinkageCommand().run_from_argv(argv)
    assert exit_.value.code == 1
    err_text = capsys.readouterr().err
    assert "not the key given" in err_text and "Traceback" not in err_text


def test_malformed_rows_are_refused_each_with_its_reason(
    tmp_path: Path, children: dict[str, Child], key_file: Path
) -> None:
    enc = _encode(tmp_path, children, key_file)
    frame = pl.read_csv(enc, infer_schema=False)
    frame = frame.with_columns(
        nik_hmac=pl.when(pl.col("row_ref") == "3").then(pl.lit("6107-not-a-token")).otherwise("nik_hmac"),
        name_bloom=pl.when(pl.col("row_ref") == "4").then(pl.lit("AAAA")).otherwise("name_bloom"),
        sex=pl.when(pl.col("row_ref") == "5").then(pl.lit("X")).otherwise("sex"),
        row_ref=pl.when(pl.col("row_ref") == "6").then(pl.lit("7")).otherwise("row_ref"),
    )
    frame.write_csv(enc)
    result = _link(enc, key_file, tmp_path / "result.csv")
    codes = dict(zip(result["row_ref"], result["reason_code"], strict=True))
    got = result.select("row_ref", "class", "reason_code").rows()
    assert got[0] == ("3", "refused", "bad_nik_hmac")
    assert got[1] == ("4", "refused", "bad_name_bloom")
    assert got[2] == ("5", "refused", "bad_sex")
    assert got[3] == ("7", "refused", "agency_refused;duplicate_row_ref")
    assert got[4] == ("7", "refused", "duplicate_row_ref")
    assert "not a hex HMAC-SHA256" in result["reason"][0]
    assert "1024-bit Bloom filter" in result["reason"][1]
    assert result.height == 5 and set(codes) == {"3", "4", "5", "7"}


def test_not_an_encoded_file_is_refused(tmp_path: Path, children: dict[str, Child], key_file: Path) -> None:
    with pytest.raises(CommandError, match="not a satuanak encoded file"):
        _link(_export(tmp_path, children), key_file, tmp_path / "result.csv")


def test_encoded_rows_link_against_a_frame_of_children(
    tmp_path: Path, children: dict[str, Child], key_file: Path
) -> None:
    """The frame-level function the bench runs gives what the command wrote."""
    enc = _encode(tmp_path, children, key_file)
    read = encoded.encoded_file_read(path=enc, key=KEY)
    result = encoded.encoded_rows_link(encoded=read, golden=encoded.golden_children(), key=KEY)
    assert result["class"].to_list() == ["match", "match", "no_match", "refused", "match"]
    assert result["child_id"].to_list()[:2] == [children["a"].pk, children["b"].pk]
