"""The linkage service on a generated district: accuracy, incremental = full, decisions kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings

from satuanak.core.sources import Source
from satuanak.imports.tests.helpers import import_exports
from satuanak.linkage.models import LinkageRun, LinkedRecord, ReviewPair
from satuanak.linkage.services import linkage_evaluate, linkage_run, review_decide
from satuanak.persons.models import Child, ChildRecord
from satuanak.synth import generate_district

AS_OF = date(2024, 12, 31)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out, children=2_500, seed=11, reference_date=AS_OF, data_dir=Path(settings.SATUANAK_DATA_DIR)
    )
    return out


def _clusters() -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for rid, child in LinkedRecord.objects.values_list("record_id", "child_id"):
        groups.setdefault(child, set()).add(rid)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.django_db
def test_linkage_is_accurate_on_the_generated_district(district: Path, reference_data: None) -> None:
    import_exports(district)
    run = linkage_run(as_of=AS_OF)
    assert run.status == LinkageRun.Status.DONE and run.kind == LinkageRun.Kind.FULL
    scores, by_defect = linkage_evaluate(truth_dir=district / "ground_truth", as_of=AS_OF)
    assert scores.precision >= 0.99, scores
    assert scores.f1 >= 0.98, scores
    # the defects the generator made are all there to be measured
    assert {"missing_nik", "name_variant", "mistyped_nik"} <= set(by_defect["defect"].to_list())
    # every child from the records, one child record per staged row of a child
    assert Child.objects.count() == run.stats["children"] > 2_000
    assert ChildRecord.objects.count() > Child.objects.count()
    assert not LinkedRecord.objects.filter(child=None).exists()
    # SIAK holds every generated child: few children are "not in SIAK", each with its reason found
    assert run.stats["not_in_siak"] < 0.02 * run.stats["children"]
    child = Child.objects.filter(in_siak=True, n_records__gte=3).first()
    assert child is not None and child.field_sources["nik"] == "siak"


@pytest.mark.django_db
def test_incremental_run_gives_what_a_full_rebuild_gives(district: Path, reference_data: None) -> None:
    import_exports(district, [Source.SIAK, Source.EPPGBM])
    first = linkage_run(as_of=AS_OF)
    assert first.kind == LinkageRun.Kind.FULL
    child_before = dict(LinkedRecord.objects.values_list("record_id", "child_id"))
    import_exports(district, [Source.IMUNISASI, Source.KIA, Source.DAPODIK, Source.SIMFONI])
    second = linkage_run(as_of=AS_OF)
    assert second.kind == LinkageRun.Kind.INCREMENTAL
    # only the new records were scored, not the whole district again
    assert 0 < second.stats["records_scored"] < second.stats["records"]
    incremental = _clusters()
    # a child keeps its id when its cluster only grew: links to children stay valid
    child_after = dict(LinkedRecord.objects.values_list("record_id", "child_id"))
    kept = sum(1 for rid, child in child_before.items() if child_after.get(rid) == child)
    assert kept > 0.99 * len(child_before)
    third = linkage_run(as_of=AS_OF, full=True)
    assert third.kind == LinkageRun.Kind.FULL
    assert _clusters() == incremental


@pytest.mark.django_db
def test_review_decisions_survive_reruns_and_are_obeyed(
    district: Path, reference_data: None, personas: dict
) -> None:
    import_exports(district)
    linkage_run(as_of=AS_OF)
    open_pairs = list(ReviewPair.objects.filter(active=True, status=ReviewPair.Status.OPEN)[:2])
    assert len(open_pairs) == 2, "the district should leave a few uncertain pairs"
    steward = personas["steward"]
    yes, no = open_pairs
    review_decide(pair=yes, user=steward, accept=True, note="ibu sama, tanggal lahir tertukar")
    review_decide(pair=no, user=steward, accept=False)
    linkage_run(as_of=AS_OF)
    linkage_run(as_of=AS_OF, full=True)
    yes.refresh_from_db()
    no.refresh_from_db()
    assert yes.status == ReviewPair.Status.ACCEPTED and no.status == ReviewPair.Status.REJECTED
    child = dict(LinkedRecord.objects.values_list("record_id", "child_id"))
    assert child[yes.record_l] == child[yes.record_r]
    # a rejected pair is no link of its own (it may still meet through others: not here)
    assert not ReviewPair.objects.filter(pk=no.pk, active=True, status=ReviewPair.Status.OPEN).exists()
    from satuanak.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="review_decided", subject_id=str(yes.pk)).exists()


def test_records_group_rows_of_one_person_per_source() -> None:
    from satuanak.linkage.records import source_records

    staged = pl.DataFrame(
        {
            "batch_id": [1, 1, 2],
            "__row": [2, 3, 2],
            "person_key": ["6107015203210001", "6107015203210001", "n:budi|2020-01-01|"],
            "nik": ["6107015203210001", "6107015203210001", None],
            "name": ["Siti", "Siti Aminah", "Budi"],
            "sex": ["P", "P", "L"],
            "birth_date": [date(2021, 3, 12)] * 2 + [date(2020, 1, 1)],
            "mother_name": [None, "Nurhaliza", None],
            "desa_code": ["61.07.01.2001"] * 3,
        }
    )
    records, rows = source_records("eppgbm", staged.lazy(), as_of=AS_OF)
    assert records.height == 2 and rows.height == 3
    siti = records.filter(pl.col("nik").is_not_null()).row(0, named=True)
    assert siti["name"] == "Siti Aminah" and siti["mother_name"] == "Nurhaliza" and siti["n_rows"] == 2
