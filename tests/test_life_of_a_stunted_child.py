"""The life of a stunted child through the platform, end to end, with real files (issue 8):

flagged by the posyandu weighing -> suggested to a BAAS and confirmed by a health officer ->
100 days of PMT logged by the cadre -> re-measured (a new e-PPGBM export, imported as any
other) -> relinked, flags recomputed: the stunting flag clears -> the programme report counts
the child once as covered and once as improved, with its z-score change.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings

from satuanak.core.sources import Source
from satuanak.flags.models import ChildFlag
from satuanak.flags.services import flags_recompute
from satuanak.gesit.models import Baas, PmtDelivery
from satuanak.gesit.services import assignment_confirm, assignment_suggest, baas_create, pmt_delivery_record
from satuanak.growth.who.zscore import length_height_for_age_z
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_file_run
from satuanak.imports.tests.helpers import import_exports
from satuanak.interventions.follow_up import Status
from satuanak.interventions.models import Intervention
from satuanak.interventions.selectors import follow_ups_due, intervention_outcomes, programme_report
from satuanak.linkage.services import linkage_run
from satuanak.persons.models import Child, ChildRecord
from satuanak.sources.base import normalise_header
from satuanak.sources.eppgbm.columns import ADAPTER as EPPGBM
from satuanak.synth import generate_district

AS_OF = date(2024, 12, 31)
START = date(2024, 12, 2)
REMEASURED = START + timedelta(days=101)  # 2025-03-13, day 101


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out, children=1_500, seed=8, reference_date=AS_OF, data_dir=Path(settings.SATUANAK_DATA_DIR)
    )
    return out


def _stunted_toddler() -> Child:
    """A child flagged stunted in 2024Q4 at a standing height, young enough to be weighed in 2025."""
    for flag in ChildFlag.objects.filter(code="stunting", period="2024Q4", status="flagged").select_related(
        "child"
    ):
        child = flag.child
        if (
            child.birth_date
            and child.nik
            and child.sex
            and date(2021, 6, 1) < child.birth_date < date(2022, 6, 1)
            and -3.0 < (flag.value or -9) < -2.1
            and child.desa_id
        ):
            return child
    raise AssertionError("the generated district has no stunted toddler to follow")


def _remeasurement_file(district: Path, child: Child, tmp: Path) -> Path:
    """The posyandu's next export: the child's last weighing row, re-dated and taller, as CSV
    with the same columns (a puskesmas exports one month at a time)."""
    record = (
        ChildRecord.objects.filter(child=child, source="eppgbm", row_number__isnull=False)
        .order_by("-observed_on")
        .first()
    )
    assert record is not None and record.batch_id is not None and record.row_number is not None
    batch = ImportBatch.objects.get(pk=record.batch_id)
    assert batch.header_row is not None
    ws = openpyxl.load_workbook(district / "exports" / "eppgbm" / batch.file_name, read_only=True).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h or "") for h in rows[batch.header_row - 1]]
    row = dict(zip(header, rows[record.row_number - 1], strict=True))
    # The generator varies header spellings between puskesmas: find the columns as the importer does.
    field_of = {c.field: c for c in EPPGBM.columns}
    column = {
        f: next(h for h in header if normalise_header(h) in field_of[f].header_keys())
        for f in ("measurement_date", "height_cm", "weight_kg")
    }
    age = (REMEASURED - child.birth_date).days  # type: ignore[operator]
    height = float(str(row[column["height_cm"]]).replace(",", "."))
    # Catch-up growth to just above -2 SD (HAZ about -1.8): what 100 days of good food can do.
    while (
        length_height_for_age_z(sex=[child.sex], age_days=[age], height_cm=[height], measured_lying=[False])[
            0
        ]
        < -1.8
    ):
        height = round(height + 0.1, 1)
    weight = float(str(row[column["weight_kg"]]).replace(",", ".")) + 0.9
    row |= {
        column["measurement_date"]: REMEASURED.strftime("%d/%m/%Y"),
        column["height_cm"]: str(height).replace(".", ","),
        column["weight_kg"]: f"{weight:.1f}".replace(".", ","),
    }
    # Other dates as an officer types them (the workbook held date cells).
    row = {k: v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v for k, v in row.items()}
    path = tmp / "EPPGBM_2025_03.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, delimiter=";")
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


@pytest.mark.django_db(transaction=True)
def test_flagged_assigned_fed_remeasured_cleared_counted_once_covered_once_improved(
    district: Path, reference_data: None, personas: dict[str, Any], tmp_path: Path
) -> None:
    import_exports(district, [Source.SIAK, Source.EPPGBM])
    linkage_run(as_of=AS_OF)
    flags_recompute(as_of=AS_OF)
    child = _stunted_toddler()
    baseline = ChildFlag.objects.filter(child=child, code="stunting").order_by("-observed_on").first()
    assert baseline is not None and baseline.status == "flagged"

    # A company in the child's desa becomes a BAAS; the platform suggests the child first
    # (nearest, and among the nearest the most severe); the health officer confirms.
    officer, cadre = personas["dinkes"], personas["dinkes"]
    baas = baas_create(
        user=officer,
        kind=Baas.Kind.COMPANY,
        name="PT Sawit Sejahtera",
        phone="0812-0000-0000",
        commitment="PMT telur dan susu 100 hari",
        capacity=10,
        desa_code=child.desa.code,  # type: ignore[union-attr]
    )
    suggested = [c.candidate.child_id for c in assignment_suggest(user=officer, baas=baas)]
    assert child.pk in suggested and len(suggested) <= 10
    (assignment,) = assignment_confirm(user=officer, baas=baas, child_ids=[child.pk], start_date=START)
    pmt = Intervention.objects.get(child=child, kind="pmt", programme="GESIT")
    assert pmt.answers_flag == "stunting" and pmt.start_date == START

    # 100 days of PMT, one delivery a day.
    for day in range(100):
        pmt_delivery_record(
            user=cadre,
            assignment=assignment,
            delivered_on=START + timedelta(days=day),
            item="telur rebus + susu",
            quantity=2,
            unit="porsi",
        )
    assert PmtDelivery.objects.filter(assignment=assignment).count() == 100
    # Day 100 has come and no weighing since: the child is on the cadre's follow-up list.
    due = follow_ups_due(user=officer, today=START + timedelta(days=100))
    assert any(i.child_id == child.pk and o.status == Status.DUE for i, o in due)

    # The re-measurement arrives as the posyandu's next export and goes through the same stages.
    (batch,) = import_file_run(source=Source.EPPGBM, path=_remeasurement_file(district, child, tmp_path))
    assert batch.rejected == 0 and batch.accepted == 1
    linkage_run(as_of=REMEASURED)
    flags_recompute(as_of=date(2025, 3, 31))
    child.refresh_from_db()  # the relink kept the child (and its interventions)
    latest = ChildFlag.objects.filter(child=child, code="stunting").order_by("-observed_on").first()
    assert latest is not None and latest.observed_on == REMEASURED and latest.status == "clear"

    [(_item, outcome)] = [
        (i, o) for i, o in intervention_outcomes(user=officer, child_id=child.pk) if i.pk == pmt.pk
    ]
    assert outcome.status == Status.IMPROVED
    assert outcome.z_change is not None and outcome.z_change > 0.3

    # The report: once covered, once improved, though it had 100 deliveries and spans two quarters.
    for period in ("2024Q4", "2025Q1", "2025"):
        report = programme_report(user=officer, period=period, today=date(2025, 12, 31))
        (total,) = [t for t in report.totals if t.programme == "GESIT"]
        assert total.covered == 1, period
        assert total.improved == (0 if period == "2024Q4" else 1), period
        assert total.overdue == 0, period
    (row,) = programme_report(user=officer, period="2025", today=date(2025, 12, 31)).rows
    assert row.desa_code == child.desa.code and row.mean_z_change == outcome.z_change  # type: ignore[union-attr]
