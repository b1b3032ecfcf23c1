"""Retention (issue 18, part 4): the rules, the dry run on a constructed case, the real run leaving
every aggregate as it was, and the next linkage run not building the removed records again; the
seal: quarters closed before a run keep their stored figures through later recomputes, while
without a run a recompute still rewrites every quarter."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.sources import Source
from satuanak.governance import retention
from satuanak.governance.retention import (
    ChildFacts,
    RecordFacts,
    RetentionRules,
    RetentionRulesError,
    decide,
    due_date,
    rules_parse,
)

TODAY = date(2030, 6, 30)


def _rules(**overrides: dict[str, int]) -> RetentionRules:
    """Every source with its own period, so a test can tell them apart."""
    keep = {
        "siak": {"turns_18": 1, "left_district": 1},
        "eppgbm": {"turns_18": 0, "left_district": 1},
        "imunisasi": {"turns_18": 0, "left_district": 1},
        "kia": {"turns_18": 0, "left_district": 1},
        "dapodik": {"turns_18": 1, "left_district": 1},
        "simfoni": {"turns_18": 5, "left_district": 5},
    } | overrides
    return rules_parse(
        {
            "version": "test",
            "rules": [{"source": s, "record_type": "*", "keep_years": k} for s, k in keep.items()],
        }
    )


def _child(dob: date | None, left: date | None = None, *sources: str, child_id: int = 1) -> ChildFacts:
    records = tuple(RecordFacts(record_pk=i, source=s, record_type=s) for i, s in enumerate(sources, start=1))
    return ChildFacts(child_id=child_id, birth_date=dob, left_district_on=left, records=records)


# --- the rules, pure ---------------------------------------------------------------------------------


def test_the_shipped_rules_load_and_cover_every_source_and_say_they_are_unverified() -> None:
    rules = retention.rules_load(Path(settings.SATUANAK_DATA_DIR) / "governance" / "retention.json")
    assert {r.source for r in rules.rules} == set(Source)
    assert all(not r.verified and "UNVERIFIED" in r.legal_basis for r in rules.rules)
    # a source with several record types: the delivery register has its own rule
    assert rules.rule_for("kia", "kia_persalinan") is not None
    assert rules.rule_for("kia", "kia_persalinan").record_type == "kia_persalinan"  # type: ignore[union-attr]
    assert rules.rule_for("kia", "kia_lain").record_type == "*"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("today", "past"),
    [
        (date(2028, 1, 9), False),  # one day before the 18th birthday
        (date(2028, 1, 10), True),  # exactly on it: past
        (date(2028, 1, 11), True),  # one day after
    ],
)
def test_a_record_is_past_its_time_on_its_due_date_not_the_day_before(today: date, past: bool) -> None:
    d = decide(_child(date(2010, 1, 10), None, "eppgbm"), _rules(), today)
    assert d.records_past == ((1,) if past else ())
    assert d.child_past is past


@pytest.mark.parametrize(
    ("today", "past"),
    [(date(2030, 3, 31), False), (date(2030, 4, 1), True), (date(2030, 4, 2), True)],
)
def test_leaving_the_district_starts_its_own_clock(today: date, past: bool) -> None:
    # a five-year-old who left on 1 April 2029: e-PPGBM kept one year after leaving
    d = decide(_child(date(2024, 5, 5), date(2029, 4, 1), "eppgbm"), _rules(), today)
    assert d.child_past is past


def test_the_earlier_of_the_two_clocks_wins_and_a_missing_trigger_runs_no_clock() -> None:
    rule = _rules().rule_for("simfoni", "simfoni")
    assert rule is not None
    # 18 in 2028 (+5 = 2033) but left in 2026 (+5 = 2031): 2031
    assert due_date(rule, birth_date=date(2010, 1, 10), left_district_on=date(2026, 2, 1)) == date(2031, 2, 1)
    assert due_date(rule, birth_date=None, left_district_on=None) is None
    only_left = _rules(eppgbm={"left_district": 1}).rule_for("eppgbm", "eppgbm")
    assert only_left is not None
    assert due_date(only_left, birth_date=date(2000, 1, 1), left_district_on=None) is None


def test_each_source_keeps_for_its_own_period() -> None:
    child = _child(date(2010, 1, 10), None, "eppgbm", "siak", "simfoni")
    # 2028-01-10: e-PPGBM (0 y) goes; SIAK (1 y) and SIMFONI (5 y) stay
    assert decide(child, _rules(), date(2028, 1, 10)) == retention.Decision(
        records_past=(1,), child_past=False
    )
    assert decide(child, _rules(), date(2029, 1, 10)).records_past == (1, 2)
    assert decide(child, _rules(), date(2033, 1, 9)).child_past is False
    assert decide(child, _rules(), date(2033, 1, 10)) == retention.Decision(
        records_past=(1, 2, 3), child_past=True
    )


def test_without_a_birth_date_or_a_move_nothing_is_past() -> None:
    assert decide(_child(None, None, "simfoni"), _rules(), date(2099, 1, 1)).records_past == ()


def test_a_29_february_birthday_counts_on_28_february() -> None:
    rule = _rules().rule_for("eppgbm", "eppgbm")
    assert rule is not None
    assert due_date(rule, birth_date=date(2012, 2, 29), left_district_on=None) == date(2030, 2, 28)


def test_a_record_type_of_its_own_beats_the_source_wide_rule() -> None:
    rules = rules_parse(
        {
            "version": "t",
            "rules": [
                *[{"source": s.value, "keep_years": {"turns_18": 3}} for s in Source if s != Source.KIA],
                {"source": "kia", "record_type": "*", "keep_years": {"turns_18": 3}},
                {"source": "kia", "record_type": "kia_persalinan", "keep_years": {"turns_18": 0}},
            ],
        }
    )
    child = ChildFacts(
        child_id=1,
        birth_date=date(2010, 1, 10),
        records=(RecordFacts(1, "kia", "kia_persalinan"), RecordFacts(2, "kia", "kia_other")),
    )
    assert decide(child, rules, date(2028, 1, 10)).records_past == (1,)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"rules": []}, "version"),
        ({"version": "x", "rules": [{"source": "nope", "keep_years": {"turns_18": 1}}]}, "unknown source"),
        ({"version": "x", "rules": [{"source": "siak", "keep_years": {"at_birth": 1}}]}, "unknown trigger"),
        ({"version": "x", "rules": [{"source": "siak", "keep_years": {"turns_18": -1}}]}, "years must be"),
        ({"version": "x", "rules": [{"source": "siak", "keep_years": {"turns_18": 1.5}}]}, "years must be"),
        ({"version": "x", "rules": [{"source": "siak", "keep_years": {}}]}, "must name a trigger"),
        (
            {"version": "x", "rules": [{"source": "siak", "keep_years": {"turns_18": 1}}]},
            "sources without a rule",
        ),
        (
            {"version": "x", "rules": [{"source": "siak", "keep_years": {"turns_18": 1}}] * 2},
            "the same rule twice",
        ),
    ],
)
def test_bad_rules_are_refused_with_a_bilingual_message(data: dict[str, Any], says: str) -> None:
    with pytest.raises(RetentionRulesError) as e:
        rules_parse(data)
    assert says in str(e.value) and "Aturan retensi" in str(e.value)


# --- the constructed case ---------------------------------------------------------------------------


def _stage(adapter: str, source: Source, keys: list[str]) -> tuple[int, list[int]]:
    """One done import batch of `adapter` whose staged file holds one row per natural key."""
    from satuanak.imports import staging
    from satuanak.imports.models import ImportBatch

    batch = ImportBatch.objects.create(
        source=source.value,
        adapter=adapter,
        file_name=f"{adapter}.csv",
        sha256=adapter.ljust(64, "0"),
        status=ImportBatch.Status.DONE,
        staged_order=ImportBatch.objects.count() + 1,
    )
    rel = staging.batch_file(adapter, batch.pk)
    rows = list(range(2, 2 + len(keys)))
    staging.write_batch_file(
        rel,
        pl.DataFrame(
            {
                "__row": rows,
                "natural_key": keys,
                "person_key": keys,
                "change": ["new"] * len(keys),
            }
        ),
    )
    batch.staged_file = str(rel)
    batch.save(update_fields=["staged_file"])
    return batch.pk, rows


FORMAT_OF = {
    "siak": Source.SIAK,
    "eppgbm": Source.EPPGBM,
    "imunisasi": Source.IMUNISASI,
    "kia_persalinan": Source.KIA,
    "dapodik": Source.DAPODIK,
    "simfoni": Source.SIMFONI,
}

# child label -> (birth date, left the district on, formats of its records)
CASE: dict[str, tuple[date | None, date | None, tuple[str, ...]]] = {
    # 18 on 2028-01-10: e-PPGBM (0 y) and SIAK (1 y) past; SIMFONI (5 y) kept
    "partly": (date(2010, 1, 10), None, ("eppgbm", "siak", "simfoni")),
    # 18 on 2029-06-30: e-PPGBM past, DAPODIK (1 y) due exactly today: past -> anonymised
    "due_today": (date(2011, 6, 30), None, ("eppgbm", "dapodik")),
    # 18 on 2029-07-01: e-PPGBM past, DAPODIK due tomorrow: kept
    "due_tomorrow": (date(2011, 7, 1), None, ("eppgbm", "dapodik")),
    # five years old, left on 2029-06-30: one year after leaving is today -> anonymised
    "left": (date(2025, 3, 1), date(2029, 6, 30), ("eppgbm", "imunisasi", "kia_persalinan")),
    # left a day later: nothing past
    "left_later": (date(2025, 1, 1), date(2029, 7, 1), ("eppgbm", "imunisasi")),
    # no birth date, never left: no clock runs
    "unknown": (None, None, ("simfoni",)),
    # young and at home
    "young": (date(2026, 2, 2), None, ("eppgbm", "siak")),
}
EXPECTED_PAST = {
    ("partly", "eppgbm"),
    ("partly", "siak"),
    ("due_today", "eppgbm"),
    ("due_today", "dapodik"),
    ("due_tomorrow", "eppgbm"),
    ("left", "eppgbm"),
    ("left", "imunisasi"),
    ("left", "kia_persalinan"),
}
EXPECTED_ANONYMISED = {"due_today", "left"}


def _build_case() -> dict[str, Any]:
    """Children with two rows per record, staged; a few aggregate rows; one flag per child."""
    from satuanak.flags.models import ChildFlag, DesaHotspot, FlagAggregate
    from satuanak.linkage.models import LinkedRecord
    from satuanak.mutu.models import CoverageCell, PrevalenceEstimate
    from satuanak.persons.models import Child, ChildRecord
    from satuanak.regions.models import Desa

    desa = Desa.objects.order_by("code").first()
    assert desa is not None
    staged_keys: dict[str, list[str]] = {f: [] for f in FORMAT_OF}
    plan: list[tuple[str, str, str]] = []  # (label, format, natural key)
    for n, (label, (_dob, _left, formats)) in enumerate(CASE.items()):
        for f in formats:
            for visit in (1, 2):
                key = f"61070{n:02d}10100{visit:04d}|{f}"
                staged_keys[f].append(key)
                plan.append((label, f, key))
    batches = {f: _stage(f, FORMAT_OF[f], keys) for f, keys in staged_keys.items() if keys}
    row_of = {
        key: (batches[f][0], batches[f][1][staged_keys[f].index(key)])
        for f in batches
        for key in staged_keys[f]
    }
    children: dict[str, Any] = {}
    for n, (label, (dob, left, _formats)) in enumerate(CASE.items()):
        children[label] = Child.objects.create(
            nik=f"61070{n:02d}1010000{n}",
            kk_number=f"610700000000000{n}",
            name=f"Anak {label}",
            mother_name=f"Ibu {label}",
            sex="P",
            birth_date=dob,
            left_district_on=left,
            desa=desa,
            linkage_key=f"cluster:{label}",
            field_sources={"nik": "siak"},
            n_records=2 * len(_formats),
        )
        ChildFlag.objects.create(
            child=children[label],
            code="stunting",
            rule_version=1,
            period="2029Q4",
            status="flagged",
            reason_id="x",
            reason_en="x",
        )
    records: dict[tuple[str, str], list[int]] = {}
    for label, f, key in plan:
        batch_id, row = row_of[key]
        rid = f"{f}:{children[label].nik}"
        rec = ChildRecord.objects.create(
            child=children[label],
            source=FORMAT_OF[f].value,
            record_id=rid,
            batch_id=batch_id,
            row_number=row,
            summary={"k": key[-4:]},
        )
        records.setdefault((label, f), []).append(rec.pk)
        LinkedRecord.objects.get_or_create(
            record_id=rid, defaults={"source": f, "child": children[label], "features": "x", "n_rows": 2}
        )
    # already anonymised by an earlier run: left alone
    Child.objects.create(
        name="(dianonimkan / anonymised)", birth_date=date(1990, 7, 1), anonymised_on=date(2029, 1, 1)
    )
    for period in ("2029Q3", "2029Q4"):
        FlagAggregate.objects.create(
            code="stunting",
            period=period,
            level="desa",
            area_code=desa.code,
            numerator=2,
            denominator=7,
            rate=2 / 7,
            ci_low=0.08,
            ci_high=0.64,
        )
        DesaHotspot.objects.create(
            desa_code=desa.code,
            period=period,
            index=0.3,
            gi_star_z=1.1,
            p_value=0.2,
            classification="none",
            flags_used="stunting",
        )
        CoverageCell.objects.create(
            period=period, dimension="desa", key=desa.code, known=7, weighed=5, never_weighed=1
        )
        PrevalenceEstimate.objects.create(
            period=period,
            level="district",
            area_code="61.07",
            known=7,
            assessed=5,
            stunted=2,
            assessed_known=5,
        )
    return {"children": children, "records": records, "staged_keys": staged_keys}


def _aggregate_models() -> dict[str, Any]:
    from satuanak.flags.models import DesaHotspot, FlagAggregate
    from satuanak.mutu.models import CoverageCell, PrevalenceEstimate, QualityResult

    return {
        m.__name__: m for m in (FlagAggregate, DesaHotspot, CoverageCell, PrevalenceEstimate, QualityResult)
    }


def _aggregates(**where: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored aggregate row (those matching `where`, e.g. period__lte=...), all columns, in
    a fixed order."""
    out = {}
    for model in _aggregate_models().values():
        cols = [f.attname for f in model._meta.concrete_fields]
        out[model.__name__] = list(model.objects.filter(**where).order_by("pk").values_list(*cols))
    return out


def _kla_values() -> dict[tuple[str, str], tuple[Any, ...]]:
    """The KLA values the platform computes from the stored figures, for the last four quarters."""
    from satuanak.kla.selectors import kla_platform_values, periods_back

    return {
        (period, code): (v.value, v.numerator, v.denominator)
        for period in periods_back("2024Q4", 4)
        for code, v in kla_platform_values(period=period).items()
    }


@pytest.mark.django_db
def test_dry_run_lists_exactly_the_records_past_their_time(reference_data: None) -> None:
    from satuanak.governance.retention_services import retention_dry_run
    from satuanak.persons.models import Child, ChildRecord

    case = _build_case()
    before = list(ChildRecord.objects.order_by("pk").values_list())
    report = retention_dry_run(today=TODAY, rules=_rules())
    want = sorted(pk for key in EXPECTED_PAST for pk in case["records"][key])
    assert sorted(report.plan.records_past["record_pk"].to_list()) == want
    ids = {c.pk: label for label, c in case["children"].items()}
    assert {ids[i] for i in report.plan.children_past} == EXPECTED_ANONYMISED
    assert report.plan.by_source == {"dapodik": 2, "eppgbm": 8, "imunisasi": 2, "kia": 2, "siak": 2}
    assert report.plan.records_without_clock == 2  # the child with no birth date
    assert report.children_anonymised == 2 and report.plan.children_touched == 4
    # reads only
    assert list(ChildRecord.objects.order_by("pk").values_list()) == before
    assert not Child.objects.filter(anonymised_on=TODAY).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.RETENTION_RUN).exists()


@pytest.mark.django_db
def test_the_run_removes_anonymises_suppresses_and_leaves_the_aggregates(
    reference_data: None, personas: dict[str, Any]
) -> None:
    from satuanak.governance.retention_services import ANONYMOUS_NAME, retention_run
    from satuanak.linkage.models import LinkedRecord, SuppressedRecord
    from satuanak.linkage.records import natural_key_digest
    from satuanak.linkage.suppression import staged_records_kept
    from satuanak.persons.models import Child, ChildRecord

    case = _build_case()
    aggregates = _aggregates()
    report = retention_run(actor=personas["steward"], today=TODAY, rules=_rules())

    removed = {pk for key in EXPECTED_PAST for pk in case["records"][key]}
    kept = {pk for key, pks in case["records"].items() if key not in EXPECTED_PAST for pk in pks}
    left = set(ChildRecord.objects.values_list("pk", flat=True))
    assert left == kept and not (left & removed)
    # the linkage record (with its identity fields) goes with the rows
    nik = {label: c.nik for label, c in case["children"].items()}
    assert set(LinkedRecord.objects.values_list("record_id", flat=True)) == {
        f"{f}:{nik[label]}" for label, (_d, _l, formats) in CASE.items() for f in formats
    } - {f"{f}:{nik[label]}" for label, f in EXPECTED_PAST}

    for label, child in case["children"].items():
        child.refresh_from_db()
        if label in EXPECTED_ANONYMISED:
            assert child.anonymised_on == TODAY
            assert (child.name, child.nik, child.kk_number, child.mother_name) == (ANONYMOUS_NAME, "", "", "")
            assert child.birth_date == date(CASE[label][0].year, 7, 1)  # type: ignore[union-attr]
            assert child.linkage_key is None and child.field_sources == {} and child.n_records == 0
            assert child.sex == "P" and child.desa_id is not None  # not identifying alone; figures per desa
            assert child.flags.count() == 1  # rows that point at the child keep pointing at it
        else:
            assert child.anonymised_on is None and child.name == f"Anak {label}"
    assert case["children"]["partly"].n_records == 2  # only SIMFONI left

    # each removed staged row is suppressed, by digest only, and skipped by the next stages
    removed_keys = {
        (f, key)
        for (label, f) in EXPECTED_PAST
        for key in case["staged_keys"][f]
        if key.startswith(f"61070{list(CASE).index(label):02d}")
    }
    assert SuppressedRecord.objects.count() == len(removed_keys) == 16
    assert set(SuppressedRecord.objects.values_list("adapter", "key_digest")) == {
        (f, natural_key_digest(f, k)) for f, k in removed_keys
    }
    assert not any(
        k in SuppressedRecord.objects.values_list("key_digest", flat=True) for _f, k in removed_keys
    )
    for f, keys in case["staged_keys"].items():
        lazy = staged_records_kept(f)
        assert lazy is not None
        assert set(lazy.collect()["natural_key"].to_list()) == {k for k in keys if (f, k) not in removed_keys}

    # one audit entry, counts only
    event = AuditEvent.objects.get(action=AuditAction.RETENTION_RUN)
    assert event.actor == personas["steward"]
    assert event.detail["records_past"] == 16 and event.detail["children_anonymised"] == 2
    assert "Anak" not in json.dumps(event.detail)
    assert report.suppressed == 16 and report.not_suppressed == 0

    # aggregates unchanged, row for row, value for value
    assert _aggregates() == aggregates

    # a second run finds nothing new
    again = retention_run(actor=personas["steward"], today=TODAY, rules=_rules())
    assert again.records_past == 0 and again.children_anonymised == 0
    assert Child.objects.filter(anonymised_on__isnull=False).count() == 3


@pytest.mark.django_db
def test_a_steward_records_that_a_child_left_the_district(
    reference_data: None, personas: dict[str, Any]
) -> None:
    from satuanak.governance.retention_services import child_left_district_record
    from satuanak.persons.models import Child

    child = Child.objects.create(name="Anak", birth_date=date(2020, 1, 1))
    child_left_district_record(child=child, on=date(2029, 6, 30), actor=personas["steward"])
    child.refresh_from_db()
    assert child.left_district_on == date(2029, 6, 30)
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_CHANGED, subject_type="child", subject_id=str(child.pk)
    ).exists()


# --- the command --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_dry_runs_by_default_and_applies_on_request(
    reference_data: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from satuanak.persons.models import ChildRecord

    _build_case()
    n = ChildRecord.objects.count()
    call_command("governance", "retention", "--today", TODAY.isoformat(), "--quiet")
    out = capsys.readouterr().out
    assert "uji coba / dry run" in out and ChildRecord.objects.count() == n
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["applied"] is False and summary["records_past"] > 0
    call_command("governance", "retention", "--today", TODAY.isoformat(), "--apply", "--quiet")
    assert ChildRecord.objects.count() == n - summary["records_past"]
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_RUN).count() == 1


@pytest.mark.django_db
def test_the_command_refuses_bad_input_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Tanggal tidak sah.*invalid date"):
        call_command("governance", "retention", "--today", "30-06-2030")
    bad = tmp_path / "rules.json"
    bad.write_text('{"version": "x", "rules": []}')
    with pytest.raises(CommandError, match=r"sumber tanpa aturan.*sources without a rule"):
        call_command("governance", "retention", "--rules", str(bad))
    with pytest.raises(CommandError, match=r"--dry-run.*--apply"):
        call_command("governance", "retention", "--dry-run", "--apply")


# --- end to end: a generated district ---------------------------------------------------------------------

AS_OF = date(2024, 12, 31)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from satuanak.synth import generate_district

    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out, children=600, seed=18, reference_date=AS_OF, data_dir=Path(settings.SATUANAK_DATA_DIR)
    )
    return out


@pytest.mark.django_db
def test_after_a_run_the_next_linkage_and_flags_runs_do_not_bring_the_records_back(
    district: Path, reference_data: None, personas: dict[str, Any]
) -> None:
    from satuanak.flags.models import ChildFlag
    from satuanak.flags.services import flags_recompute
    from satuanak.governance.retention_services import retention_dry_run, retention_rules, retention_run
    from satuanak.imports.tests.helpers import import_exports
    from satuanak.linkage.models import LinkedRecord
    from satuanak.linkage.services import linkage_run
    from satuanak.mutu.services import mutu_recompute
    from satuanak.persons.models import Child, ChildRecord

    import_exports(district)
    linkage_run(as_of=AS_OF)
    flags_recompute(as_of=AS_OF)
    mutu_recompute(as_of=AS_OF)
    # a few children moved away years ago: everything of theirs is past (SIMFONI's five years too)
    movers = list(Child.objects.filter(n_records__gte=2).order_by("pk").values_list("pk", flat=True)[:12])
    Child.objects.filter(pk__in=movers).update(left_district_on=date(2019, 1, 1))
    rules = retention_rules()

    # the dry run agrees with the rule, record by record (the scalar due date as the oracle)
    facts = {c.pk: c for c in Child.objects.all()}
    expected = set()
    for pk, child_id, source, rid in ChildRecord.objects.values_list("pk", "child_id", "source", "record_id"):
        rule = rules.rule_for(source, rid.split(":", 1)[0])
        assert rule is not None
        c = facts[child_id]
        due = due_date(rule, birth_date=c.birth_date, left_district_on=c.left_district_on)
        if due is not None and due <= AS_OF:
            expected.add(pk)
    dry = retention_dry_run(today=AS_OF, rules=rules)
    assert set(dry.plan.records_past["record_pk"].to_list()) == expected
    assert set(movers) <= set(dry.plan.children_past)

    rows_before = set(ChildRecord.objects.values_list("record_id", "batch_id", "row_number"))
    removed = set(
        ChildRecord.objects.filter(pk__in=expected).values_list("record_id", "batch_id", "row_number")
    )
    aggregates = _aggregates()
    assert aggregates["FlagAggregate"] and aggregates["CoverageCell"] and aggregates["PrevalenceEstimate"]
    kla = _kla_values()
    assert kla
    report = retention_run(actor=personas["steward"], today=AS_OF, rules=rules)
    assert report.not_suppressed == 0 and report.suppressed == len(expected)
    assert _aggregates() == aggregates
    assert _kla_values() == kla

    linkage_run(as_of=AS_OF)
    rows_after = set(ChildRecord.objects.values_list("record_id", "batch_id", "row_number"))
    assert not (rows_after & removed)
    assert rows_after == rows_before - removed
    removed_ids = {rid for rid, _b, _r in removed}
    assert not LinkedRecord.objects.filter(record_id__in=removed_ids).exists()
    # the anonymised children stay, as they were left
    anonymised = Child.objects.filter(anonymised_on=AS_OF)
    assert set(anonymised.values_list("pk", flat=True)) == set(dry.plan.children_past)
    assert not anonymised.exclude(nik="").exists() and not anonymised.filter(records__isnull=False).exists()

    flags_recompute(as_of=AS_OF)
    assert not ChildFlag.objects.filter(child__in=anonymised).exists()


# --- the seal: quarters closed before a run keep their figures ------------------------------------------


@pytest.mark.parametrize(
    ("today", "sealed"),
    [
        (date(2025, 1, 1), "2024Q4"),  # the first day of a quarter: the one before is closed
        (date(2025, 3, 31), "2024Q4"),  # its last day: still open
        (date(2025, 4, 1), "2025Q1"),
        (date(2024, 12, 31), "2024Q3"),
    ],
)
def test_a_run_seals_the_quarters_closed_on_its_day(today: date, sealed: str) -> None:
    from satuanak.governance.retention_services import sealed_quarter

    assert sealed_quarter(today) == sealed


@pytest.mark.django_db
def test_a_run_records_its_seal_and_strips_the_flag_rows_it_leaves_behind(
    reference_data: None, personas: dict[str, Any]
) -> None:
    from satuanak.flags.models import ChildFlag
    from satuanak.governance.models import RetentionRun
    from satuanak.governance.retention_services import SCRUBBED_FLAG, retention_run
    from satuanak.governance.selectors import sealed_through

    # nothing past: recorded, seals nothing (a late correction to last quarter still counts)
    empty = retention_run(actor=personas["steward"], today=TODAY, rules=_rules())
    assert empty.sealed_through == "" and sealed_through() is None
    assert RetentionRun.objects.get().records_removed == 0

    case = _build_case()
    partly = case["children"]["partly"]
    evidence = {"date": "2029-02-03", "posyandu": "Mawar", "z": -2.4}
    gone = ChildFlag.objects.create(  # names a removed e-PPGBM record of a child who stays
        child=partly,
        code="stunting",
        rule_version=1,
        period="2029Q1",
        observed_on=date(2029, 2, 3),
        status="flagged",
        value=-2.4,
        evidence={"record_id": f"eppgbm:{partly.nik}", **evidence},
        reason_id="TB/U -2,4 SD (3 Februari 2029, Posyandu Mawar)",
        reason_en="HAZ -2.4 SD (3 February 2029, Posyandu Mawar)",
    )
    stays = ChildFlag.objects.create(  # names a record that is kept
        child=partly,
        code="violence_case",
        rule_version=1,
        period="2029Q1",
        observed_on=date(2029, 1, 5),
        status="flagged",
        evidence={"record_id": f"simfoni:{partly.nik}"},
        reason_id="kasus",
        reason_en="case",
    )
    report = retention_run(actor=personas["steward"], today=TODAY, rules=_rules())
    assert report.sealed_through == "2030Q1" == sealed_through()
    run = RetentionRun.objects.exclude(sealed_through="").get()
    assert (run.today, run.records_removed, run.children_anonymised) == (TODAY, 16, 2)
    assert run.applied_by == personas["steward"]
    audit = AuditEvent.objects.filter(action=AuditAction.RETENTION_RUN).order_by("pk").last()
    assert audit is not None and audit.detail["sealed_through"] == "2030Q1"

    gone.refresh_from_db()
    stays.refresh_from_db()
    stripped = {k: getattr(gone, k) for k in SCRUBBED_FLAG}
    assert stripped == SCRUBBED_FLAG
    assert (gone.code, gone.period, gone.status, gone.value) == ("stunting", "2029Q1", "flagged", -2.4)
    assert stays.evidence == {"record_id": f"simfoni:{partly.nik}"} and stays.reason_en == "case"
    for label in EXPECTED_ANONYMISED:
        flag = case["children"][label].flags.get()
        assert (flag.evidence, flag.reason_en, flag.status) == ({}, SCRUBBED_FLAG["reason_en"], "flagged")

    # a later run that removes nothing keeps the seal where it was
    keep_all = _rules(**{s.value: {"turns_18": 50} for s in Source})
    assert retention_run(actor=personas["steward"], today=date(2031, 1, 1), rules=keep_all).records_past == 0
    assert sealed_through() == "2030Q1"


def _import_but(district: Path, held_back: Path | None) -> None:
    """Every export of the generated district but one file (a puskesmas's e-PPGBM, sent late)."""
    from satuanak.imports.services import import_file_run

    for source in Source:
        for path in sorted((district / "exports" / source.value).iterdir()):
            if path != held_back:
                import_file_run(source=source, path=path)


def _late_file(district: Path) -> Path:
    return sorted((district / "exports" / Source.EPPGBM.value).iterdir())[0]


def _recompute() -> None:
    from satuanak.flags.services import flags_recompute
    from satuanak.linkage.services import linkage_run
    from satuanak.mutu.services import mutu_recompute

    linkage_run(as_of=AS_OF)
    flags_recompute(as_of=AS_OF)
    mutu_recompute(as_of=AS_OF)


def _pks(rows: dict[str, list[tuple[Any, ...]]]) -> set[tuple[str, Any]]:
    return {(model, row[0]) for model, model_rows in rows.items() for row in model_rows}


def _split(
    rows: dict[str, list[tuple[Any, ...]]], seal: str
) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[tuple[Any, ...]]]]:
    """`_aggregates()` rows of quarters up to the seal, and of later ones."""
    models = _aggregate_models()
    sealed, later = {}, {}
    for model, model_rows in rows.items():
        at = [f.attname for f in models[model]._meta.concrete_fields].index("period")
        sealed[model] = [r for r in model_rows if r[at] <= seal]
        later[model] = [r for r in model_rows if r[at] > seal]
    return sealed, later


def _values(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[str]]:
    """The rows without their ids (what a rewritten row keeps when nothing changed), as text:
    some columns are JSON."""
    return {model: sorted(repr(row[1:]) for row in model_rows) for model, model_rows in rows.items()}


@pytest.mark.django_db
def test_without_a_retention_run_a_recompute_still_corrects_old_quarters(
    district: Path, reference_data: None
) -> None:
    from satuanak.governance.selectors import sealed_through
    from satuanak.imports.services import import_file_run

    _import_but(district, _late_file(district))
    _recompute()
    old = _aggregates(period="2024Q2")
    assert old["FlagAggregate"] and old["CoverageCell"] and old["PrevalenceEstimate"]

    import_file_run(source=Source.EPPGBM, path=_late_file(district))
    _recompute()
    assert sealed_through() is None
    now = _aggregates(period="2024Q2")
    # every row of the old quarter was written again, and the late weighings changed its figures
    assert not (_pks(now) & _pks(old))
    for model in ("FlagAggregate", "CoverageCell", "PrevalenceEstimate", "QualityResult"):
        assert _values(now)[model] != _values(old)[model], model


@pytest.mark.django_db
def test_quarters_closed_before_a_run_keep_their_figures_through_later_recomputes(
    district: Path, reference_data: None, personas: dict[str, Any]
) -> None:
    from satuanak.flags.models import ChildFlag
    from satuanak.flags.services import SEALED_FLAG_CODES
    from satuanak.governance.retention_services import retention_rules, retention_run
    from satuanak.governance.selectors import sealed_through
    from satuanak.imports.services import import_file_run
    from satuanak.persons.models import Child

    _import_but(district, _late_file(district))
    _recompute()
    # children who moved away years ago: some older, some weighed (with growth rows) in sealed quarters
    weighed = ChildFlag.objects.filter(code="stunting", period__lte="2024Q3").values("child_id")
    movers = [
        *Child.objects.filter(n_records__gte=2).order_by("pk").values_list("pk", flat=True)[:6],
        *Child.objects.filter(pk__in=weighed).order_by("-pk").values_list("pk", flat=True)[:6],
    ]
    Child.objects.filter(pk__in=movers).update(left_district_on=date(2019, 1, 1))
    before = _aggregates()
    kla = _kla_values()

    report = retention_run(actor=personas["steward"], today=AS_OF, rules=retention_rules())
    seal = report.sealed_through
    assert seal == "2024Q3" == sealed_through() and report.records_past > 0
    sealed_flags = ChildFlag.objects.filter(code__in=SEALED_FLAG_CODES, period__lte=seal)
    flag_cols = [f.attname for f in ChildFlag._meta.concrete_fields]
    flags_before = list(sealed_flags.order_by("pk").values_list(*flag_cols))
    assert flags_before

    # the nightly recompute, and a puskesmas's late e-PPGBM file with it
    import_file_run(source=Source.EPPGBM, path=_late_file(district))
    _recompute()

    # sealed quarters: row for row, value for value (ids too) what they were before the run
    sealed_before, later_before = _split(before, seal)
    after = _aggregates(period__lte=seal)
    for model, rows in sealed_before.items():
        assert rows and after[model] == rows, model
    assert list(sealed_flags.order_by("pk").values_list(*flag_cols)) == flags_before
    assert {k: v for k, v in _kla_values().items() if k[0] <= seal} == {
        k: v for k, v in kla.items() if k[0] <= seal
    }

    # the open quarter was computed again: new rows, figures without the movers and with the late file
    later = _aggregates(period__gt=seal)
    assert not (_pks(later) & _pks(later_before))
    for model in ("FlagAggregate", "CoverageCell", "PrevalenceEstimate"):
        assert later[model] and _values(later)[model] != _values(later_before)[model], model

    # the anonymised children: kept rows of sealed quarters only, stripped; nothing after the seal
    anonymised = ChildFlag.objects.filter(child__anonymised_on=AS_OF)
    assert anonymised.filter(period__lte=seal, code="stunting").exists()
    assert not anonymised.filter(period__gt=seal).exists()
    assert not anonymised.exclude(evidence={}).exists()
