"""Privacy-preserving matching: keyed tokens, Bloom filters and their Dice, the encoded frame,
and the encoded linkage's accuracy against clear text on a small synthetic district."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from satuanak.linkage import cluster, evaluate, privacy
from satuanak.linkage.records import source_records

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
ROOT = Path(__file__).resolve().parents[4]
AS_OF = date(2024, 12, 31)


# --- tokens ---------------------------------------------------------------------------------


def test_hmac_is_deterministic_and_keyed() -> None:
    a = privacy.hmac_token("6107015411110023", KEY, kind="nik")
    assert a == privacy.hmac_token("6107015411110023", KEY, kind="nik")
    assert a != privacy.hmac_token("6107015411110023", OTHER_KEY, kind="nik")
    assert a is not None and len(a) == 64 and "6107" not in a
    # one field's token is never another's (per-field keys)
    assert privacy.hmac_token("budi", KEY, kind="name") != privacy.hmac_token("budi", KEY, kind="text")


def test_normalisation_before_hashing() -> None:
    assert privacy.hmac_token("Muhammad", KEY, kind="name") == privacy.hmac_token(
        "MUHAMMAD ", KEY, kind="name"
    )
    assert privacy.hmac_token("M. Rizki", KEY, kind="name") == privacy.hmac_token(
        "Muhamad Rizky", KEY, kind="name"
    )
    assert privacy.hmac_token("6107 0154-1111 0023", KEY, kind="nik") == privacy.hmac_token(
        "6107015411110023", KEY, kind="nik"
    )
    assert privacy.hmac_token(date(2020, 3, 4), KEY, kind="dob") == privacy.hmac_token(
        "2020-03-04", KEY, kind="dob"
    )
    assert privacy.hmac_token("2020-03-04", KEY, kind="dob_ym") == privacy.hmac_token(
        "2020-03-31", KEY, kind="dob_ym"
    )
    assert privacy.hmac_token(" ", KEY, kind="nik") is None
    assert privacy.hmac_token(None, KEY, kind="name") is None


# --- Bloom filters and Dice -----------------------------------------------------------------


def _dice_of(a: str, b: str, key: bytes | None = KEY) -> float:
    m = privacy.bloom_matrix(pl.Series([a, b]), key)
    return float(privacy.dice(m[:1], m[1:])[0])


def test_dice_identical_typo_unrelated() -> None:
    assert _dice_of("siti aminah", "siti aminah") == 1.0
    assert _dice_of("siti aminah", "siti aminha") > 0.75  # one transposition
    assert _dice_of("yohanes ajun", "yohanes ajung") > 0.85  # one letter added
    assert _dice_of("siti aminah", "yohanes ajun") < 0.35


def test_dice_by_hand_exact_bigrams() -> None:
    # " ana " -> " a", "an", "na", "a ";  " ani " -> " a", "an", "ni", "i ": 2 shared of 4 + 4
    assert privacy.bigrams("ana") == {" a", "an", "na", "a "}
    assert _dice_of("ana", "ani", key=None) == pytest.approx(2 * 2 / (4 + 4))


def test_dice_by_hand_keyed_bloom_filter() -> None:
    positions = privacy.bigram_positions(sorted(privacy.bigrams("ana") | privacy.bigrams("ani")), KEY)
    bits_a = {p for g in privacy.bigrams("ana") for p in positions[g]}
    bits_b = {p for g in privacy.bigrams("ani") for p in positions[g]}
    by_hand = 2 * len(bits_a & bits_b) / (len(bits_a) + len(bits_b))
    m = privacy.bloom_matrix(pl.Series(["ana", "ani"]), KEY)
    unpacked = np.unpackbits(m, axis=1)
    assert set(np.flatnonzero(unpacked[0])) == bits_a
    assert set(np.flatnonzero(unpacked[1])) == bits_b
    assert _dice_of("ana", "ani") == pytest.approx(by_hand)
    # the bits depend on the key
    assert not np.array_equal(m, privacy.bloom_matrix(pl.Series(["ana", "ani"]), OTHER_KEY))


def test_dice_pairs_matches_rowwise_and_base64_round_trip() -> None:
    names = pl.Series(["siti aminah", "siti aminha", None, "budi santoso"])
    m = privacy.bloom_matrix(names, KEY)
    assert m.shape == (4, privacy.BLOOM_BYTES) and not m[2].any()
    back = privacy.bloom_from_base64(privacy.bloom_to_base64(m, names.is_not_null().to_numpy()))
    assert np.array_equal(back, m)
    left, right = np.array([0, 0, 0, 1]), np.array([1, 2, 3, 3])
    got = privacy.dice_pairs(m, left, right, chunk=2)
    want = privacy.dice(m[left], m[right])
    assert (
        got[0] == pytest.approx(want[0])
        and got[2] == pytest.approx(want[2])
        and got[3] == pytest.approx(want[3])
    )
    assert np.isnan(got[1])  # no name: no comparison


# --- the encoded frame ----------------------------------------------------------------------


def test_encode_frame() -> None:
    df = pl.DataFrame(
        {
            "record_id": ["siak:1", "eppgbm:2", "kia:3"],
            "nik": ["6107015411110023", "6107-0154-1111-0023", None],
            "name": ["MUHAMMAD RIZKI", "M. Rizky", "By. Ny. Siti"],
            "mother_name": ["Siti Aminah", "Hj. Siti Aminah", "Siti"],
            "dob": [date(2020, 3, 4), date(2020, 3, 4), date(2024, 1, 2)],
            "sex": ["L", "L", "P"],
            "desa": ["61.07.01.2001", "61.07.01.2001", None],
        }
    )
    enc = privacy.encode_frame(df, KEY)
    assert enc.columns == ["record_id", *privacy.ENCODED_COLUMNS]
    assert enc["record_id"].to_list() == ["siak:1", "eppgbm:2", "kia:3"]
    # nothing in clear but sex and desa
    text = str(enc.to_dicts())
    for clear in ("6107015411110023", "rizki", "RIZKI", "aminah", "2020-03-04"):
        assert clear not in text
    assert enc["sex"].to_list() == ["L", "L", "P"] and enc["desa"][0] == "61.07.01.2001"
    a, b, c = enc.to_dicts()
    assert a["nik_hmac"] == b["nik_hmac"] == privacy.hmac_token("6107015411110023", KEY, kind="nik")
    assert c["nik_hmac"] is None
    assert (
        a["name_hmacs"]
        == b["name_hmacs"]
        == [
            privacy.hmac_token("muhammad", KEY, kind="name_part"),
            privacy.hmac_token("rizki", KEY, kind="name_part"),
        ]
    )
    assert c["name_hmacs"] == [] and c["name_bloom"] is None  # "By. Ny. Siti" names the mother
    assert a["name_bloom"] == b["name_bloom"] and a["mother_bloom"] == b["mother_bloom"]
    assert len(base64.b64decode(a["name_bloom"])) == privacy.BLOOM_BYTES
    assert a["dob_hmac"] == privacy.hmac_token("2020-03-04", KEY, kind="dob")
    assert a["dob_ym_hmac"] == privacy.hmac_token("2020-03", KEY, kind="dob_ym")
    assert a["dob_year_hmac"] == privacy.hmac_token("2020", KEY, kind="dob_year")
    # keyed: another key gives other tokens and other filters
    other = privacy.encode_frame(df, OTHER_KEY).to_dicts()[0]
    assert other["nik_hmac"] != a["nik_hmac"] and other["name_bloom"] != a["name_bloom"]


def test_hand_made_linkage_hashed_equals_clear() -> None:
    df = pl.DataFrame(
        {
            "record_id": ["a1", "a2", "b1", "b2", "c1"],
            "nik": ["6107010101200001", None, "6107010101200002", "6107010101200002", None],
            "name": ["Siti Aminah", "Siti Aminha", "Budi Santoso", "Budi Santoso", "Yohanes Ajun"],
            "mother_name": ["Rahma", "Rahma", "Maria", "Maria", "Kristina"],
            "dob": [date(2020, 1, 5), date(2020, 1, 5), date(2020, 1, 5), date(2021, 5, 1), date(2020, 1, 5)],
            "sex": ["P", "P", "L", "L", "L"],
            "desa": ["61.07.01.2001"] * 5,
        }
    )
    want = {("a1", "a2"), ("b1", "b2")}
    runs: list[tuple[pl.DataFrame, privacy.Method]] = [
        (privacy.encode_frame(df, KEY), "hashed"),
        (privacy.clear_frame(df), "clear"),
    ]
    for frame, method in runs:
        edges, scored = privacy.link(frame, method)
        assert set(edges.iter_rows()) == want, (method, scored)


def test_key_id_names_the_key_without_showing_it() -> None:
    fp = privacy.key_fingerprint(KEY)
    assert len(fp) == 16 and fp != privacy.key_fingerprint(OTHER_KEY)
    assert privacy.key_id(KEY) == fp and privacy.key_id(KEY, " bkl-2025 ") == f"bkl-2025/{fp}"
    assert privacy.key_id_parts(f"bkl-2025/{fp}") == ("bkl-2025", fp)
    assert privacy.key_id_parts(fp) == (None, fp)
    assert KEY.hex()[:16] != fp


def test_candidate_pairs_between_uses_the_same_rules_across_two_frames() -> None:
    df = pl.DataFrame(
        {
            "nik": ["6107010101200001", None, None, "6107010101200009"],
            "name": ["Siti Aminah", "Budi", "Yohanes Ajun", "Ani"],
            "dob": [date(2020, 1, 5), date(2019, 2, 2), date(2018, 3, 3), date(2017, 4, 4)],
            "sex": ["P", "L", "L", "P"],
            "desa": ["61.07.01.2001", "61.07.01.2002", "61.07.02.2001", "61.07.03.2001"],
        }
    )
    left, right = privacy.encode_frame(df.head(2), KEY), privacy.encode_frame(df.tail(2), KEY)
    both = privacy.encode_frame(df, KEY)
    within = privacy.candidate_pairs(both).filter((pl.col("l") < 2) & (pl.col("r") >= 2))
    across = privacy.candidate_pairs_between(left, right).with_columns(pl.col("r") + 2)
    assert across.equals(within)


def test_decide_match_possible_no_match_and_ambiguity() -> None:
    scored = pl.DataFrame(
        {
            "l": [0, 0, 1, 2, 3, 3],
            "r": [5, 7, 4, 6, 8, 9],
            "weight": [12.0, 3.0, 6.0, 2.0, 10.0, 9.5],
        }
    )
    got = privacy.decide(scored, 5).rows(named=True)
    assert [(g["l"], g["r"], g["decision"]) for g in got] == [
        (0, 5, "match"),
        (1, 4, "possible"),  # between POSSIBLE_AT and LINK_AT
        (2, None, "no_match"),
        (3, 8, "possible"),  # two candidates reach LINK_AT: a person decides
        (4, None, "no_match"),  # no candidate at all
    ]
    assert got[0]["runner_up"] == 3.0 and got[4]["weight"] is None


def test_link_to_golden_records_hashed_and_clear_agree() -> None:
    golden = pl.DataFrame(
        {
            "nik": ["6107010101200001", "6107010101200002", None],
            "name": ["Fatimah Azzahra", "Siti Nurhaliza", "Budi Santoso"],
            "mother_name": ["Rahma", "Nur Aini", "Maria"],
            "dob": [date(2021, 4, 9), date(2021, 4, 9), date(2019, 1, 1)],
            "sex": ["P", "P", "L"],
            "desa": ["61.07.01.2001"] * 3,
        }
    )
    rows = pl.DataFrame(
        {
            "nik": [None, None, "6107010101200002", None],
            "name": ["Fatima Azahra", "Rina Marlina", "Siti Nurhaliza", None],
            "mother_name": ["Rahma", "Dewi", "Nur Aini", None],
            "dob": [date(2021, 4, 9), date(2021, 4, 9), date(2021, 4, 9), date(2019, 1, 1)],
            "sex": ["P", "P", "P", "L"],
            "desa": ["61.07.01.2001"] * 4,
        }
    )
    want = [(0, "match"), (None, "no_match"), (1, "match"), (2, "possible")]  # last: a baby, no name
    for method, make in (("hashed", lambda d: privacy.encode_frame(d, KEY)), ("clear", privacy.clear_frame)):
        got = privacy.link_to(make(rows), make(golden), method)  # type: ignore[arg-type]
        assert list(zip(got["r"], got["decision"], strict=True)) == want, (method, got)


# --- end to end on a small synthetic district -----------------------------------------------


def _district_records(district: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records and their truth, through the readers and adapters (as bench/linkage.py)."""
    from satuanak.imports.readers import read_table
    from satuanak.sources import ADAPTERS
    from satuanak.sources.reference import ReferenceData

    ref = ReferenceData.from_data_dir(ROOT / "data")
    recs, rows, batches = [], [], []
    for n, folder in enumerate(("siak", "eppgbm", "imunisasi", "dapodik")):
        adapter = ADAPTERS[folder]
        frames: list[pl.DataFrame] = []
        for path in sorted((district / "exports" / folder).iterdir()):
            raw = read_table(path, header_score=adapter.header_score)
            batch_id = 1000 * n + len(frames) + 1
            res = adapter.validate(raw.frame, ref=ref, today=AS_OF)
            frames.append(res.accepted.with_columns(pl.lit(batch_id, dtype=pl.Int64).alias("batch_id")))
            batches.append((batch_id, path.name, raw.sheet or "", raw.header_row))
        r, rr = source_records(folder, pl.concat(frames, how="diagonal_relaxed").lazy(), as_of=AS_OF)
        recs.append(r)
        rows.append(rr)
    batch_frame = pl.DataFrame(
        batches,
        schema={"id": pl.Int64, "file_name": pl.String, "sheet": pl.String, "header_row": pl.Int64},
        orient="row",
    )
    truth = evaluate.record_truth(
        pl.concat(rows), batch_frame, pl.read_parquet(district / "ground_truth" / "source_rows.parquet")
    )
    return pl.concat(recs), truth


# The encoded linkage may lose at most this much F1 against clear text, and must stay above the
# floor (the default 20,000-children run costs ~0.001, README).
F1_MARGIN = 0.01
F1_FLOOR = 0.98


def test_hashed_linkage_close_to_clear_text(tmp_path: Path) -> None:
    from satuanak.synth import generate_district

    generate_district(out_dir=tmp_path, children=2000, seed=7, reference_date=AS_OF, data_dir=ROOT / "data")
    records, truth = _district_records(tmp_path)
    encoded = privacy.encode_frame(records, KEY)
    clear = privacy.clear_frame(records)
    assert privacy.candidate_pairs(encoded).equals(privacy.candidate_pairs(clear))
    f1 = {}
    runs: list[tuple[pl.DataFrame, privacy.Method]] = [(clear, "clear"), (encoded, "hashed")]
    for frame, method in runs:
        edges, _ = privacy.link(frame, method)
        f1[method] = evaluate.score(cluster.components(records["record_id"], edges), truth).f1
    assert f1["hashed"] >= F1_FLOOR, f1
    assert f1["clear"] - f1["hashed"] <= F1_MARGIN, f1
