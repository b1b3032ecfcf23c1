"""The public pages through Django's test client."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from satuanak.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_home_lists_17_kecamatan(client: Client, reference_data: None) -> None:
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'<tr data-kecamatan="61\.07\.\d\d"', html)) == 17
    assert 'lang="id"' in html
    assert "Satu Data Anak Bengkayang" in html
    assert "SINTETIS" in html
    assert "cahyadsn/wilayah_boundaries" in html


def test_home_marks_the_two_child_friendly_puskesmas(client: Client, reference_data: None) -> None:
    rows = client.get(reverse("web:home")).context["kecamatan"]
    marked = {name for row in rows for name in row["summary"].child_friendly_puskesmas}
    assert marked == {"Puskesmas Sungai Duri", "Puskesmas Samalantan"}
    totals = client.get(reverse("web:home")).context["totals"]
    assert totals["desa"] == 124
    assert totals["puskesmas"] >= 17


def test_home_has_no_external_urls(client: Client, reference_data: None) -> None:
    """Everything the page loads must come from this server: offices may be offline, and a CDN
    would see who reads the page."""
    html = client.get(reverse("web:home")).content.decode()
    assert re.findall(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html) == []
    assert "http://" not in html
    assert "https://" not in html
    assert "vendor/leaflet/leaflet.js" in html


def test_home_rejects_unknown_kecamatan(client: Client, reference_data: None) -> None:
    response = client.get(reverse("web:home"), {"kecamatan": "99.99.99"})
    assert response.status_code == 400
    assert "tidak dikenal" in response.content.decode()


def test_geojson_has_124_desa_with_geometry(client: Client, reference_data: None) -> None:
    response = client.get(reverse("web:desa-geojson"))
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 124
    for feature in data["features"]:
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert feature["geometry"]["coordinates"]
        assert re.fullmatch(r"61\.07\.\d\d\.\d{4}", feature["properties"]["kode"])


def test_geojson_filtered_by_kecamatan(client: Client, reference_data: None) -> None:
    data = client.get(reverse("web:desa-geojson"), {"kecamatan": "61.07.01"}).json()
    assert len(data["features"]) == 5
    assert {f["properties"]["kecamatan_kode"] for f in data["features"]} == {"61.07.01"}


def test_geojson_is_encoded_once_gzipped_and_revalidated_by_etag(
    client: Client, reference_data: None, django_assert_num_queries: Any
) -> None:
    from satuanak.regions.selectors import desa_feature_collection

    url = reverse("web:desa-geojson")
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    assert "max-age=3600" in first["Cache-Control"]
    assert json.loads(gzip.decompress(first.content)) == desa_feature_collection()
    # The second request reads the built body from the cache: one query (the boundaries' version),
    # none for the 124 geometries.
    with django_assert_num_queries(1):
        plain = client.get(url)
    assert plain.get("Content-Encoding") is None
    assert plain.json() == desa_feature_collection()
    assert plain["ETag"] == first["ETag"]
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    # Each kecamatan filter is its own document.
    part = client.get(url, {"kecamatan": "61.07.01"})
    assert part["ETag"] != first["ETag"] and len(part.json()["features"]) == 5


@pytest.mark.parametrize("bad", ["61.07.99", "xx", "61.07.01.2001", "'; DROP TABLE"])
def test_geojson_bad_kecamatan_is_400_json(client: Client, reference_data: None, bad: str) -> None:
    response = client.get(reverse("web:desa-geojson"), {"kecamatan": bad})
    assert response.status_code == 400
    body = response.json()
    assert "tidak dikenal" in body["error"]
    assert "Unknown kecamatan code" in body["error_en"]


def test_login_page_is_indonesian(client: Client, db: None) -> None:
    html = client.get(reverse("web:login")).content.decode()
    assert "Nama pengguna" in html
    assert "Kata sandi" in html


def test_login_with_demo_user_shows_role_and_area(client: Client, demo_users: None) -> None:
    response = client.post(
        reverse("web:login"), {"username": "pkm_sungai_duri", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("web:home")
    html = response.content.decode()
    assert "Petugas puskesmas" in html
    assert "Wilayah kerja Puskesmas Sungai Duri" in html
    assert "Keluar" in html


def test_login_wrong_password_rerenders_with_message(client: Client, demo_users: None) -> None:
    response = client.post(reverse("web:login"), {"username": "bappeda", "password": "salah-salah-salah"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nama pengguna atau kata sandi salah" in html
    assert "Wrong username or password" in html


def test_logout_is_post_only(client: Client, demo_users: None) -> None:
    client.login(username="bappeda", password=DEMO_PASSWORD)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert "Masuk" in client.get(reverse("web:home")).content.decode()


def test_404_page_is_indonesian(client: Client, db: None) -> None:
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Halaman tidak ditemukan" in html
    assert "Page not found" in html


@pytest.mark.parametrize(
    ("name", "indonesian", "english"),
    [
        ("400.html", "Permintaan tidak valid", "Bad request"),
        ("403.html", "Akses ditolak", "Access denied"),
        ("404.html", "Halaman tidak ditemukan", "Page not found"),
        ("500.html", "Terjadi kesalahan pada server", "Server error"),
    ],
)
def test_error_templates_render_in_both_languages(
    rf: RequestFactory, name: str, indonesian: str, english: str
) -> None:
    request = rf.get("/")
    request.user = AnonymousUser()
    # 500.html is rendered by Django with no request at all; the others with one.
    html = render_to_string(name, request=None if name == "500.html" else request)
    assert indonesian in html
    assert english in html
    assert "http://" not in html
    assert "https://" not in html


@pytest.mark.django_db
def test_indonesian_by_default_english_by_choice(client: Any) -> None:
    # a browser asking for English still gets Indonesian until the visitor chooses
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "id"
    switched = client.post("/bahasa/", {"language": "en", "next": "/peta/desa.geojson"})
    assert switched.status_code == 302 and switched["Location"] == "/peta/desa.geojson"
    assert client.get("/")["Content-Language"] == "en"
    # an outside address is not followed
    away = client.post("/bahasa/", {"language": "id", "next": "https://example.org/"})
    assert away["Location"] == "/"
    assert client.get("/")["Content-Language"] == "id"
