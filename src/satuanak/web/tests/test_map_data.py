"""The map's data: aggregates only, the same for everyone, counts under 5 hidden."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.flags.models import DesaHotspot, FlagAggregate, FlagRule, FlagRun


@pytest.fixture
def aggregates(db: None) -> None:
    from datetime import date

    FlagRule.objects.create(
        code="stunting", version=1, valid_from=date(2020, 1, 8), title_id="Stunting", title_en="Stunting"
    )
    FlagRule.objects.create(
        code="violence_case",
        version=1,
        valid_from=date(2016, 1, 1),
        title_id="Kekerasan",
        title_en="Violence",
    )
    FlagRun.objects.create(as_of=date(2024, 12, 31), status="done")
    rows = [
        ("desa", "61.07.01.2001", 3, 40),  # under 5
        ("desa", "61.07.01.2002", 12, 60),  # complementary: hidden so 3 cannot be recovered
        ("desa", "61.07.01.2003", 30, 100),
        ("desa", "61.07.02.2001", 8, 9),  # denominator under 10: no rate
        ("kecamatan", "61.07.01", 45, 200),
        ("kecamatan", "61.07.02", 8, 9),
        ("district", "61.07", 53, 209),
    ]
    for level, area, n, d in rows:
        FlagAggregate.objects.create(
            code="stunting",
            period="2024Q4",
            level=level,
            area_code=area,
            numerator=n,
            denominator=d,
            rate=n / d,
            ci_low=0.0,
            ci_high=1.0,
        )
    FlagAggregate.objects.create(
        code="violence_case",
        period="2024Q4",
        level="desa",
        area_code="61.07.01.2001",
        numerator=2,
        denominator=900,
        rate=0.002,
    )
    DesaHotspot.objects.create(
        desa_code="61.07.01.2003",
        period="2024Q4",
        index=1.2,
        gi_star_z=2.5,
        p_value=0.012,
        classification="hot",
        flags_used="stunting",
    )


@pytest.mark.django_db
def test_map_data_is_public_and_suppressed(aggregates: None, personas: dict[str, Any]) -> None:
    anonymous = Client().get("/peta/data.json", {"kode": "stunting"})
    assert anonymous.status_code == 200
    data = anonymous.json()
    desa = data["desa"]
    assert desa["61.07.01.2001"]["n"] == "<5" and desa["61.07.01.2001"]["rate"] is None
    assert desa["61.07.01.2002"]["n"] == "*" and desa["61.07.01.2002"]["rate"] is None
    assert desa["61.07.01.2003"]["n"] == "30" and desa["61.07.01.2003"]["rate"] == pytest.approx(0.3)
    assert desa["61.07.01.2003"]["hotspot"]["class"] == "hot"
    assert desa["61.07.02.2001"]["n"] == "8" and desa["61.07.02.2001"]["rate"] is None  # 8 of 9: rate hidden
    assert data["kabupaten"] == {"n": 53, "d": 209, "rate": pytest.approx(53 / 209, abs=1e-4)}
    assert data["periode"] == "2024Q4" and data["tanggal_data"] == "2024-12-31"
    # no published cell under 5 anywhere (a suppressed cell shows no number at all)
    for area in [*desa.values(), *data["kecamatan"].values()]:
        assert area["n"] in ("<5", "*") or int(area["n"]) >= 5
    # a signed-in user gets exactly the same figures: the map is aggregates only
    steward = Client()
    steward.force_login(personas["steward"])
    assert steward.get("/peta/data.json", {"kode": "stunting"}).json() == data


@pytest.mark.django_db
def test_violence_cases_and_unknown_layers_are_not_on_the_map(aggregates: None) -> None:
    client = Client()
    data = client.get("/peta/data.json", {"kode": "stunting"}).json()
    assert "violence_case" not in [k["kode"] for k in data["kode_pilihan"]]
    for params in ({"kode": "violence_case"}, {"kode": "nope"}, {"kode": "stunting", "periode": "1999Q1"}):
        response = client.get("/peta/data.json", params)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] and body["error_en"]


@pytest.mark.django_db
def test_home_shows_the_key_figures_with_their_trend_and_lagging_kecamatan(
    aggregates: None, reference_data: None
) -> None:
    FlagAggregate.objects.create(
        code="stunting",
        period="2024Q3",
        level="district",
        area_code="61.07",
        numerator=60,
        denominator=210,
        rate=60 / 210,
    )
    html = Client().get("/").content.decode()
    row = html[html.index('data-flag="stunting"') :]
    row = row[: row.index("</tr>")]
    assert "53 / 209" in row and "25,4%" in row  # Indonesian number format
    assert "-3,2 pp" in row  # 25.4% against 28.6% the quarter before
    assert "Sungai Raya 22,5%" in row  # the kecamatan with a publishable rate
    assert "Samalantan" not in row  # its denominator (9) is under 10: no rate to rank


@pytest.mark.django_db
def test_facilities_for_the_map_and_the_prap_count(reference_data: None) -> None:
    client = Client()
    data = client.get("/peta/fasilitas.geojson").json()
    kinds = {f["properties"]["jenis"] for f in data["features"]}
    assert kinds == {"puskesmas", "posyandu", "sekolah"}
    puskesmas = [f for f in data["features"] if f["properties"]["jenis"] == "puskesmas"]
    assert len(puskesmas) == 17 and sum(f["properties"]["ramah_anak"] for f in puskesmas) == 2
    assert all("perkiraan" in f["properties"]["lokasi"] for f in puskesmas)  # no coordinates in the data
    assert "<strong>2 dari 17</strong>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_map_says_where_each_puskesmas_stands_on_its_way_to_prap(
    reference_data: None, personas: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    from satuanak.prap.demo import prap_demo_load

    settings.MEDIA_ROOT = tmp_path
    prap_demo_load(reference_date=date(2024, 12, 31))
    data = Client().get("/peta/fasilitas.geojson").json()
    by_name = {
        f["properties"]["nama"]: f["properties"] for f in data["features"] if "nama" in f["properties"]
    }
    assert "certified" in by_name["Puskesmas Sungai Duri"]["prap"]
    assert by_name["Puskesmas Sungai Duri"]["ramah_anak"] is True
    on_the_way = [p for p in by_name.values() if p.get("prap_proses")]
    assert on_the_way and all(not p["ramah_anak"] for p in on_the_way)
