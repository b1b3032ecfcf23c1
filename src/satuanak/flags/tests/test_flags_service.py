"""Flags on a generated district: the stunting rate matches the generator's truth, every
aggregate equals a direct count, the child's page shows its flags with their reasons."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from satuanak.flags.models import ChildFlag, DesaHotspot, FlagAggregate, FlagRule
from satuanak.flags.services import district_summary, flags_recompute
from satuanak.imports.tests.helpers import import_exports
from satuanak.linkage.services import linkage_run
from satuanak.synth import generate_district

AS_OF = date(2024, 12, 31)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out, children=4_000, seed=21, reference_date=AS_OF, data_dir=Path(settings.SATUANAK_DATA_DIR)
    )
    return out


@pytest.mark.django_db
def test_flags_on_the_generated_district(
    district: Path, reference_data: None, personas: dict[str, Any]
) -> None:
    import_exports(district)
    linkage_run(as_of=AS_OF)
    run = flags_recompute(as_of=AS_OF)
    assert run.status == "done"
    assert FlagRule.objects.filter(code="stunting").exists()  # the shipped rules were loaded

    # 1. stunting by each weighed child's latest weighing, against the generator's own figure
    latest: dict[int, str] = {}
    for child_id, status in (
        ChildFlag.objects.filter(code="stunting")
        .exclude(status="not_assessable")
        .order_by("period")
        .values_list("child_id", "status")
    ):
        latest[child_id] = status
    n = len(latest)
    rate = sum(s == "flagged" for s in latest.values()) / n
    truth = json.loads((district / "ground_truth" / "manifest.json").read_text())["calibration"][
        "stunting_rate"
    ]
    se = math.sqrt(truth * (1 - truth) / n)
    assert abs(rate - truth) < max(3 * se, 0.02), (rate, truth, n)

    # 2. every stored aggregate equals a direct count of the stored flags (growth rules keep
    #    clear rows too; for the others the denominator is the children the rule assessed)
    checked = 0
    for agg in FlagAggregate.objects.filter(level="district"):
        flagged = ChildFlag.objects.filter(code=agg.code, period=agg.period, status="flagged").count()
        assert agg.numerator == flagged, (agg.code, agg.period)
        assert agg.ci_low is not None and agg.ci_high is not None
        assert agg.ci_low <= agg.rate <= agg.ci_high
        checked += 1
    assert checked >= 10
    # desa add up to their kecamatan, kecamatan to the district (children without a desa aside)
    for agg in FlagAggregate.objects.filter(level="kecamatan", code="stunting"):
        desa_sum = sum(
            FlagAggregate.objects.filter(
                level="desa", code="stunting", period=agg.period, area_code__startswith=agg.area_code + "."
            ).values_list("numerator", flat=True)
        )
        assert desa_sum == agg.numerator
    summary = {row["code"]: row for row in district_summary()}
    assert summary["stunting"]["survey"].startswith("SSGI 2022")
    assert DesaHotspot.objects.exists()

    # 3. the child's page shows the flag and why, to a role that may see the child
    flag = ChildFlag.objects.filter(code="stunting", status="flagged").select_related("child").first()
    assert flag is not None
    client = Client()
    client.force_login(personas["steward"])
    page = client.get(f"/anak/{flag.child_id}/").content.decode()
    assert "Stunting" in page and flag.reason_id in page
    # its growth against the WHO curves, and its doses against the schedule
    assert 'data-testid="growth-chart"' in page and "<svg" in page and "median" in page
    assert 'data-testid="immunisation-schedule"' in page and "HB0" in page
