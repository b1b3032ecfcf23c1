"""The server side of offline capture: one record once, in order, stated conflict rules, the
same checks as everywhere, and a revoked device told to wipe itself."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from satuanak.adminduk.models import BirthDeclaration
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.nik import Nik
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_rows_run, staged_records
from satuanak.interventions.models import Intervention
from satuanak.lapangan.models import Device, SyncAttachment, SyncRecord
from satuanak.lapangan.services import conflict_resolve, device_register, device_revoke
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db

SUNGAI_DURI = "61.07.01.2001"
API = "/api/v1/lapangan/"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def child(personas: dict[str, Any]) -> Any:
    today = timezone.localdate()
    return ChildFactory.create(
        desa=Desa.objects.get(code=SUNGAI_DURI),
        birth_date=today - timedelta(days=500),
        name="BUDI LAPANGAN",
        sex="L",
    )


def _posyandu() -> str:
    from satuanak.facilities.models import Posyandu

    found = Posyandu.objects.filter(desa__code=SUNGAI_DURI).order_by("code").first()
    return found.name if found else ""


def _device(user: Any, label: str = "HP uji") -> tuple[Device, dict[str, str]]:
    device, secret = device_register(user=user, label=label)
    return device, {"Authorization": f"Bearer {secret}"}


def _weighing(
    child: Any, weight: float = 10.0, height: float | None = 80.0, days_ago: int = 3
) -> dict[str, Any]:
    return {
        "child_id": child.pk,
        "measurement_date": (timezone.localdate() - timedelta(days=days_ago)).isoformat(),
        "weight_kg": weight,
        "height_cm": height,
        "position": "lying",
        "posyandu": _posyandu(),
        "child_snapshot": {"name": child.name, "sex": child.sex, "birth_date": child.birth_date.isoformat()},
    }


def _record(kind: str, data: dict[str, Any], seq: int, **over: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "seq": seq, "kind": kind, "data": data} | over


def _sync(headers: dict[str, str], records: list[dict[str, Any]], ask: list[str] | None = None) -> Any:
    response = Client().post(
        API + "sinkron/",
        {"records": records, "ask": ask or []},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def _staged_weights(child: Any) -> list[float]:
    rows = staged_records("eppgbm")
    assert rows is not None
    return sorted(float(w) for w in rows.filter(pl.col("nik") == child.nik).collect()["weight_kg"].to_list())


def test_a_record_sent_again_and_again_is_stored_once(personas: dict[str, Any], child: Any) -> None:
    _d, headers = _device(personas["kader_sungai_duri"])
    record = _record("measurement", _weighing(child), 1)
    first = _sync(headers, [record])["results"][0]
    assert first["status"] == "accepted" and not first["replayed"], first
    # The answer was lost on the link: the phone sends the same record twice more.
    for _ in range(2):
        again = _sync(headers, [record, record])["results"]
        assert [a["status"] for a in again] == ["accepted", "accepted"] and again[0]["replayed"]
    assert SyncRecord.objects.count() == 1
    assert ImportBatch.objects.filter(file_name__startswith="lapangan-").count() == 1
    assert _staged_weights(child) == [10.0]


def test_the_same_id_with_other_content_is_refused_and_nothing_changes(
    personas: dict[str, Any], child: Any
) -> None:
    _d, headers = _device(personas["kader_sungai_duri"])
    record = _record("measurement", _weighing(child), 1)
    _sync(headers, [record])
    forged = record | {"data": _weighing(child, weight=12.5)}
    answer = _sync(headers, [forged])["results"][0]
    assert answer["status"] == "rejected" and "sudah dipakai" in answer["message_id"]
    assert _staged_weights(child) == [10.0]


def test_the_server_checks_synced_weighings_with_the_e_ppgbm_rules(
    personas: dict[str, Any], child: Any
) -> None:
    _d, headers = _device(personas["kader_sungai_duri"])
    bad = _record("measurement", _weighing(child, weight=-3), 1)
    answer = _sync(headers, [bad])["results"][0]
    assert answer["status"] == "rejected"
    assert "e-PPGBM" in answer["message_id"] and answer["message_en"]
    # The same refusal is given again, from the ledger, without a second import.
    assert _sync(headers, [bad])["results"][0]["replayed"] is True
    assert ImportBatch.objects.filter(file_name__startswith="lapangan-").count() == 1
    # A form the phone filled wrongly is refused per record, with the field named.
    broken = _record("measurement", {"child_id": child.pk, "weight_kg": "berat"}, 2)
    answer = _sync(headers, [broken])["results"][0]
    assert answer["status"] == "rejected" and "measurement_date" in answer["message_id"]


def test_records_are_applied_in_the_phones_order_and_a_later_own_record_corrects(
    personas: dict[str, Any], child: Any
) -> None:
    _d, headers = _device(personas["kader_sungai_duri"])
    first = _record("measurement", _weighing(child, weight=10.0), 1)
    correction = _record("measurement", _weighing(child, weight=10.4), 2)
    # Sent out of order in one request: the server applies seq 1 then seq 2.
    answers = _sync(headers, [correction, first])["results"]
    assert [a["client_id"] for a in answers] == [correction["client_id"], first["client_id"]]
    assert {a["status"] for a in answers} == {"accepted"}
    assert _staged_weights(child) == [10.4]  # the phone's own later value replaced its first


def test_different_values_from_another_source_are_a_conflict_not_an_overwrite(
    personas: dict[str, Any], child: Any
) -> None:
    _a, kader = _device(personas["kader_sungai_duri"], "HP kader")
    _b, bidan = _device(personas["pkm_sungai_duri"], "HP bidan")
    assert _sync(kader, [_record("measurement", _weighing(child, weight=10.0), 1)])["results"][0][
        "status"
    ] == ("accepted")
    # The same value from the other phone: already there, not twice.
    same = _sync(bidan, [_record("measurement", _weighing(child, weight=10.02), 1)])["results"][0]
    assert same["status"] == "duplicate" and "HP" not in same["message_id"]
    # A different value: the server keeps its own and says so; nothing is imported.
    other = _record("measurement", _weighing(child, weight=11.2), 2)
    answer = _sync(bidan, [other])["results"][0]
    assert answer["status"] == "conflict"
    assert answer["conflict"]["rule"] == "berbeda"
    assert answer["conflict"]["server"]["weight_kg"] == 10.0
    assert answer["conflict"]["device"]["weight_kg"] == 11.2
    assert _staged_weights(child) == [10.0]
    # Asked again before anyone decides: still a conflict, no update to show.
    assert _sync(bidan, [], ask=[other["client_id"]])["updates"] == []

    record = SyncRecord.objects.get(client_id=other["client_id"])
    conflict_resolve(record=record, choice="device", user=personas["steward"])
    assert _staged_weights(child) == [11.2]
    record.refresh_from_db()
    assert record.payload == {}  # the phone's values are kept only while undecided
    update = _sync(bidan, [], ask=[other["client_id"]])["updates"][0]
    assert update["status"] == "took_device" and "steward" in update["message_id"]


def test_a_file_import_is_a_source_too(personas: dict[str, Any], child: Any) -> None:
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    import_rows_run(
        adapter_name="eppgbm",
        rows=[
            {
                "nik": child.nik,
                "name": child.name,
                "sex": child.sex,
                "birth_date": child.birth_date.isoformat(),
                "desa": SUNGAI_DURI,
                "posyandu": _posyandu(),
                "measurement_date": day,
                "weight_kg": 9.1,
                "height_cm": 79.0,
                "position": "lying",
            }
        ],
        user=personas["steward"],
        file_name="eppgbm-november.csv",
    )
    _d, kader = _device(personas["kader_sungai_duri"])
    answer = _sync(kader, [_record("measurement", _weighing(child, weight=10.0), 1)])["results"][0]
    assert answer["status"] == "conflict"
    assert "e-PPGBM" in answer["conflict"]["server"]["source"]
    record = SyncRecord.objects.get(client_id=answer["client_id"])
    conflict_resolve(record=record, choice="server", user=personas["pkm_sungai_duri"])
    assert _staged_weights(child) == [9.1]
    record.refresh_from_db()
    assert record.status == "kept_server"


def test_the_childs_identity_is_the_servers_and_the_phone_is_told(
    personas: dict[str, Any], child: Any
) -> None:
    _d, kader = _device(personas["kader_sungai_duri"])
    data = _weighing(child)
    data["child_snapshot"]["name"] = "BUDI LAMA"  # the phone downloaded the child before a correction
    answer = _sync(kader, [_record("measurement", data, 1)])["results"][0]
    assert answer["status"] == "accepted"
    assert answer["result"]["child_changed"] == {"name": "BUDI LAPANGAN"}
    assert "berubah di server" in answer["message_id"]


def test_out_of_area_and_wrong_role_are_refused_per_record(personas: dict[str, Any], child: Any) -> None:
    elsewhere = ChildFactory.create(
        desa=Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first(),
        birth_date=timezone.localdate() - timedelta(days=300),
    )
    _d, kader = _device(personas["kader_sungai_duri"])
    answers = _sync(
        kader,
        [
            _record("measurement", _weighing(elsewhere), 1),
            _record("declaration", {"baby_name": "X"}, 2),
            _record("measurement", _weighing(child), 3),
        ],
    )["results"]
    assert [a["status"] for a in answers] == ["rejected", "rejected", "accepted"]
    assert "wilayah" in answers[0]["message_id"] and "Peran" in answers[1]["message_id"]


def test_interventions_and_visits_use_the_page_services_and_are_not_doubled(
    personas: dict[str, Any], child: Any
) -> None:
    _a, kader = _device(personas["kader_sungai_duri"])
    _b, bidan = _device(personas["pkm_sungai_duri"])
    start = (timezone.localdate() - timedelta(days=5)).isoformat()
    pmt = {"child_id": child.pk, "kind": "pmt", "start_date": start, "programme": "GESIT"}
    assert _sync(kader, [_record("intervention", pmt, 1)])["results"][0]["status"] == "accepted"
    again = _sync(bidan, [_record("intervention", pmt, 1)])["results"][0]
    assert again["status"] == "duplicate" and again["result"]["rule"] == "kegiatan"
    future = _sync(kader, [_record("intervention", pmt | {"start_date": "2999-01-01"}, 2)])["results"][0]
    assert future["status"] == "rejected" and "masa depan" in future["message_id"]
    assert Intervention.objects.count() == 1

    _c, unit = _device(personas["dukcapil"], "Unit keliling")
    visit = {"desa_code": SUNGAI_DURI, "date": start, "services": ["akta"], "documents": {"akta": 4}}
    assert _sync(unit, [_record("visit", visit, 1)])["results"][0]["status"] == "accepted"
    assert _sync(unit, [_record("visit", visit, 2)])["results"][0]["status"] == "duplicate"


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (seed % 256, 80, 120)).save(out, format="JPEG")
    return out.getvalue()


def _declaration() -> dict[str, Any]:
    return {
        "baby_name": "Aurel Lapangan",
        "baby_sex": "P",
        "birth_at": (timezone.localtime() - timedelta(days=2)).replace(microsecond=0).isoformat(),
        "birth_place": "Rumah, Desa Sungai Duri",
        "weight_g": 3100,
        "length_cm": 49.5,
        "mother_nik": Nik.build(kecamatan_code="61.07.01", birth_date=date(1996, 3, 14), sex="P", serial=77),
        "mother_name": "Maria Lapangan",
        "mother_not_in_siak": True,
        "desa_code": SUNGAI_DURI,
    }


def test_a_declaration_waits_for_its_photos_then_is_stored_once(personas: dict[str, Any]) -> None:
    device, bidan = _device(personas["pkm_sungai_duri"])
    letter, ktp = uuid.uuid4(), uuid.uuid4()
    record = _record(
        "declaration",
        _declaration(),
        1,
        attachments=[
            {"client_id": str(letter), "kind": "birth_letter"},
            {"client_id": str(ktp), "kind": "mother_id"},
        ],
    )
    assert _sync(bidan, [record])["results"][0]["status"] == "waiting"
    assert SyncRecord.objects.count() == 0  # not final: the phone sends it again

    def put(client_id: uuid.UUID, data: bytes, sha: str | None = None) -> Any:
        return Client().put(
            f"{API}lampiran/{client_id}/",
            data,
            content_type="image/jpeg",
            headers=bidan | {"X-Content-SHA256": sha or hashlib.sha256(data).hexdigest()},
        )

    photo = _jpeg(1)
    assert put(letter, photo, sha="0" * 64).status_code == 400  # damaged on the way
    assert put(letter, photo).status_code == 200
    assert put(letter, photo).status_code == 200  # a retry after a lost answer
    assert put(letter, _jpeg(2)).status_code == 400  # another file under the same id
    assert put(ktp, b"not an image").status_code == 400
    assert put(ktp, _jpeg(3)).status_code == 200

    answer = _sync(bidan, [record])["results"][0]
    assert answer["status"] == "accepted", answer
    declaration = BirthDeclaration.objects.get(tracking_code=answer["result"]["tracking_code"])
    assert declaration.attachments.count() == 2 and declaration.created_by == personas["pkm_sungai_duri"]
    # The staged photos are gone once the declaration holds its own copies.
    assert not any(a.file for a in SyncAttachment.objects.filter(device=device))
    assert _sync(bidan, [record])["results"][0]["replayed"] is True
    assert BirthDeclaration.objects.count() == 1


def test_a_revoked_device_is_told_to_wipe_and_can_do_nothing(personas: dict[str, Any], child: Any) -> None:
    device, kader = _device(personas["kader_sungai_duri"])
    assert Client().get(API + "perangkat/", headers=kader).json()["forms"] == ["measurement", "intervention"]
    device_revoke(device=device, by=personas["steward"], reason="HP hilang")
    response = Client().post(
        API + "sinkron/",
        {"records": [_record("measurement", _weighing(child), 1)]},
        content_type="application/json",
        headers=kader,
    )
    assert response.status_code == 410 and response.json()["error"]["code"] == "device_revoked"
    assert Client().get(API + "anak/", headers=kader).status_code == 410
    # The general API refuses the token too.
    assert Client().get("/api/v1/saya/", headers=kader).status_code == 401
    device.refresh_from_db()
    assert device.wipe_sent_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE_WIPED, subject_id=str(device.pk)).count() == 1
    assert SyncRecord.objects.count() == 0
    # An unknown token is a plain 401: the phone keeps its queue.
    assert Client().get(API + "perangkat/", headers={"Authorization": "Bearer sda_nope"}).status_code == 401


def test_a_plain_api_token_is_not_a_device(personas: dict[str, Any]) -> None:
    from satuanak.interop.tokens import token_create

    _t, secret = token_create(user=personas["kader_sungai_duri"], name="script")
    response = Client().get(API + "perangkat/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_device"


def test_a_phone_holds_only_the_under_fives_of_its_users_area(personas: dict[str, Any], child: Any) -> None:
    old = ChildFactory.create(desa=child.desa, birth_date=timezone.localdate() - timedelta(days=365 * 9))
    elsewhere = ChildFactory.create(
        desa=Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first(),
        birth_date=timezone.localdate() - timedelta(days=300),
    )
    _d, kader = _device(personas["kader_sungai_duri"])
    body = Client().get(API + "anak/", headers=kader).json()
    ids = {c["id"] for c in body["items"]}
    assert child.pk in ids and old.pk not in ids and elsewhere.pk not in ids
    assert set(body["items"][0]) == {
        "id",
        "name",
        "sex",
        "birth_date",
        "desa_code",
        "desa_name",
        "mother_name",
    }
    assert AuditEvent.objects.filter(
        action=AuditAction.CHILD_LIST_VIEWED, actor=personas["kader_sungai_duri"]
    ).exists()
    # A district-wide officer names the desa of the trip; the district never goes onto a phone.
    _e, dinkes = _device(personas["dinkes"])
    assert Client().get(API + "anak/", headers=dinkes).status_code == 400
    chosen = Client().get(API + "anak/", {"desa": SUNGAI_DURI}, headers=dinkes).json()
    assert {c["desa_code"] for c in chosen["items"]} == {SUNGAI_DURI}


def test_the_device_pages(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["kader_sungai_duri"])
    response = client.post("/lapangan/daftar/", {"nama": "HP kader Melati"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    device = Device.objects.get(label="HP kader Melati")
    assert b'data-token="sda_' in response.content
    assert client.post("/lapangan/daftar/", {"nama": " "}).status_code == 400
    listing = client.get("/lapangan/perangkat/")
    assert b"HP kader Melati" in listing.content
    # Another user's device is not hers to revoke; her own is.
    other, _h = _device(personas["pkm_sungai_duri"])
    assert client.post(f"/lapangan/perangkat/{other.pk}/cabut/").status_code == 404
    assert client.post(f"/lapangan/perangkat/{device.pk}/cabut/", {"alasan": "hilang"}).status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None and device.token.revoked_at is not None
    # A role that records nothing in the field cannot register a device.
    planner = Client()
    planner.force_login(personas["bappeda"])
    assert planner.post("/lapangan/daftar/", {"nama": "x"}).status_code == 403


def test_the_app_shell_is_public_and_personal_data_free(personas: dict[str, Any], child: Any) -> None:
    response = Client().get("/lapangan/")
    assert response.status_code == 200
    assert child.name.encode() not in response.content
    sw = Client().get("/lapangan/sw.js")
    assert sw.status_code == 200 and b"/api/" in sw.content and b"__SHELL__" not in sw.content
    manifest = Client().get("/lapangan/manifest.webmanifest").json()
    assert manifest["start_url"] == "/lapangan/" and {i["sizes"] for i in manifest["icons"]} == {
        "192x192",
        "512x512",
    }


def test_photos_no_record_came_for_are_deleted_after_their_time(personas: dict[str, Any]) -> None:
    from django.core.management import call_command

    device, _h = _device(personas["pkm_sungai_duri"])
    from satuanak.lapangan.services import attachment_store

    old = attachment_store(device=device, client_id=uuid.uuid4(), data=_jpeg(7))
    fresh = attachment_store(device=device, client_id=uuid.uuid4(), data=_jpeg(8))
    SyncAttachment.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))
    out = io.StringIO()
    call_command("lapangan", "purge-photos", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 foto") and SyncAttachment.objects.get(pk=old.pk).file
    call_command("lapangan", "purge-photos", stdout=io.StringIO())
    assert not SyncAttachment.objects.get(pk=old.pk).file
    assert SyncAttachment.objects.get(pk=fresh.pk).file


def test_a_device_goes_with_its_user_and_its_token_but_not_with_expiry(personas: dict[str, Any]) -> None:
    from satuanak.interop.models import ApiToken
    from satuanak.interop.tokens import token_revoke

    user = personas["kader_sungai_duri"]
    device, headers = _device(user)
    user.is_active = False  # revoke_user deactivates: the phone is told to wipe
    user.save(update_fields=["is_active"])
    assert Client().get(API + "perangkat/", headers=headers).status_code == 410
    device.refresh_from_db()
    assert device.revoked_at is not None and "dinonaktifkan" in device.revoke_reason
    user.is_active = True
    user.save(update_fields=["is_active"])
    # The device's token revoked on /akun/token/: the same.
    second, headers = _device(user)
    token_revoke(token=second.token, by=user)
    assert Client().get(API + "perangkat/", headers=headers).status_code == 410
    # A token that merely expired is not a revocation: 401, and the phone keeps its queue.
    third, headers = _device(user)
    ApiToken.objects.filter(pk=third.token_id).update(expires_at=timezone.now() - timedelta(days=1))
    assert Client().get(API + "perangkat/", headers=headers).status_code == 401
    third.refresh_from_db()
    assert third.revoked_at is None and third.wipe_sent_at is None
