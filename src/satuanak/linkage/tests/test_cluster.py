"""Deterministic NIK links and conflicts, connected components, survivorship, scores."""

from __future__ import annotations

from datetime import date

import polars as pl

from satuanak.linkage import cluster, evaluate
from satuanak.linkage.records import RECORD_SCHEMA, with_comparison_columns


def _records(rows: list[dict[str, object]]) -> pl.DataFrame:
    full = [{k: r.get(k) for k in RECORD_SCHEMA} | {"n_rows": 1} for r in rows]
    return with_comparison_columns(pl.DataFrame(full, schema=RECORD_SCHEMA))


def test_same_nik_links_unless_it_is_clearly_another_person() -> None:
    dob = date(2021, 3, 12)
    recs = _records(
        [
            {
                "record_id": "siak:A",
                "source": "siak",
                "nik": "6107015203210001",
                "name": "Siti Aminah",
                "sex": "P",
                "dob": dob,
            },
            {
                "record_id": "eppgbm:A",
                "source": "eppgbm",
                "nik": "6107015203210001",
                "name": "St. Aminah",
                "sex": "P",
                "dob": dob,
            },
            # same NIK, another child entirely (a NIK copied onto the wrong row)
            {
                "record_id": "imunisasi:A",
                "source": "imunisasi",
                "nik": "6107015203210001",
                "name": "Bonifasius Ajun",
                "sex": "P",
                "dob": dob,
                "mother_name": "Maria",
            },
            {
                "record_id": "dapodik:B",
                "source": "dapodik",
                "nik": "6107015203210002",
                "name": "Siti Aminah",
                "sex": "P",
                "dob": dob,
            },
        ]
    )
    links, conflicts = cluster.nik_links(recs)
    assert links.select("record_id_l", "record_id_r").rows() == [("eppgbm:A", "siak:A")]
    assert conflicts.select("record_id_l", "record_id_r").rows() == [("imunisasi:A", "siak:A")]
    assert "nama" in conflicts["reason"][0]


def test_components_are_transitive_and_named_by_their_smallest_record() -> None:
    ids = pl.Series(["e", "d", "c", "b", "a", "z"])
    edges = pl.DataFrame({"record_id_l": ["d", "b", "c"], "record_id_r": ["e", "c", "d"]})
    got = dict(cluster.components(ids, edges).rows())
    assert got == {"a": "a", "b": "b", "c": "b", "d": "b", "e": "b", "z": "z"}
    # the same links in another order give the same clusters
    again = dict(cluster.components(ids.reverse(), edges.reverse()).rows())
    assert again == got


def test_survivorship_takes_siak_then_the_majority_and_says_where_from() -> None:
    recs = _records(
        [
            {
                "record_id": "siak:1",
                "source": "siak",
                "nik": "6107015203210001",
                "name": "Siti Aminah",
                "sex": "P",
                "dob": date(2021, 3, 12),
                "desa": "61.07.01.2001",
            },
            {
                "record_id": "eppgbm:1",
                "source": "eppgbm",
                "name": "Siti Aminah",
                "sex": "P",
                "dob": date(2021, 3, 12),
                "desa": "61.07.01.2002",
                "mother_name": "Nurhaliza",
            },
            {
                "record_id": "eppgbm:2",
                "source": "eppgbm",
                "name": "Budi",
                "sex": "L",
                "dob": date(2020, 1, 1),
                "desa": "61.07.01.2002",
            },
            {
                "record_id": "imunisasi:2",
                "source": "imunisasi",
                "name": "Budi S",
                "sex": "L",
                "dob": date(2020, 1, 1),
                "desa": "61.07.01.2002",
            },
            {
                "record_id": "dapodik:2",
                "source": "dapodik",
                "name": "Budi S",
                "sex": "L",
                "dob": date(2020, 1, 1),
            },
        ]
    )
    clusters = pl.DataFrame(
        {
            "record_id": ["siak:1", "eppgbm:1", "eppgbm:2", "imunisasi:2", "dapodik:2"],
            "cluster_id": ["eppgbm:1", "eppgbm:1", "dapodik:2", "dapodik:2", "dapodik:2"],
        }
    )
    g = {r["cluster_id"]: r for r in cluster.golden_records(recs, clusters).iter_rows(named=True)}
    one, two = g["eppgbm:1"], g["dapodik:2"]
    assert one["in_siak"] and one["desa"] == "61.07.01.2001" and one["desa_source"] == "siak"
    assert one["mother_name"] == "Nurhaliza" and one["mother_name_source"] == "eppgbm"
    assert not two["in_siak"]
    assert two["name"] == "Budi S" and two["name_source"] == "dapodik"  # two records against one
    assert two["n_records"] == 3


def test_pairwise_scores_count_pairs_of_records() -> None:
    truth = pl.DataFrame(
        {"record_id": list("abcde"), "person_id": [1, 1, 1, 2, 2], "persons_in_record": [1] * 5}
    ).with_columns(defects=pl.lit([], dtype=pl.List(pl.String)))
    # a,b together; c alone (a missed link); d,e together with... a false link to nobody
    clusters = pl.DataFrame({"record_id": list("abcde"), "cluster_id": ["a", "a", "c", "d", "d"]})
    s = evaluate.score(clusters, truth)
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (4, 2, 2)
    assert s.precision == 1.0 and s.recall == 0.5
    assert s.persons_whole == 0.5
    merged = pl.DataFrame({"record_id": list("abcde"), "cluster_id": ["a"] * 5})
    m = evaluate.score(merged, truth)
    assert m.recall == 1.0 and m.precision == 0.4 and m.clusters_pure == 0.0


def test_thresholds_must_leave_room_for_review() -> None:
    import pytest
    from django.core.exceptions import ValidationError

    from satuanak.linkage.models import LinkageModel

    bad = LinkageModel(version="x", params={"a": 1}, accept_threshold=0.9, review_threshold=0.95)
    with pytest.raises(ValidationError, match="Ambang tinjauan harus di bawah"):
        bad.full_clean()
    LinkageModel(version="x", params={"a": 1}, accept_threshold=0.99, review_threshold=0.8).full_clean()
