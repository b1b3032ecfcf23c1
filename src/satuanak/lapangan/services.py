"""Field devices: register, revoke, receive attachments, apply what a phone sends.

One set of rules. A synced weighing goes through the e-PPGBM import (`import_rows_run`), an
intervention through `intervention_record`, a mobile-unit visit through `visit_record`, a birth
declaration through `declaration_create`: the very services behind the pages, the files and the
API. This module adds only what being offline needs: the ledger that makes a record count once
however often it is sent (models.py), and the stated rules of rules.py for values that disagree.

A record's answer is final once it is in the ledger (accepted, already there, refused, conflict).
Two answers are not: "waiting" (a photo it names has not arrived yet) and "retry" (the server
could not do the work just now, e.g. an import of the same format was running); the phone keeps
such a record and sends it again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import polars as pl
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from satuanak.access.policy import Capability, policy_for, role_can
from satuanak.access.selectors import children_visible_to, desa_visible_to
from satuanak.adminduk.schemas import DeclarationFields
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import uploads
from satuanak.common.messages import bilingual
from satuanak.imports.models import ImportBatch
from satuanak.interop.models import ApiToken
from satuanak.interop.tokens import TokenError, token_create, token_lookup, token_revoke
from satuanak.interventions.schemas import InterventionFields
from satuanak.jempol.schemas import VisitFields
from satuanak.lapangan import rules
from satuanak.lapangan.models import Device, SyncAttachment, SyncRecord
from satuanak.persons.models import Child, ChildRecord

MAX_RECORDS = 100  # per request: small enough to finish over a satellite link before it drops
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # the adminduk declaration's own limit per file
DEVICE_TOKEN_DAYS = 180  # a phone in a border desa may go months between signal and a sign-in
# Field work (weighing, visits, feeding, declaring a birth) is direct service to the child: the
# purpose a device's token reads and writes under (access/purpose.py).
DEVICE_PURPOSE = "layanan"
SYNC_FILE_PREFIX = "lapangan-"  # the name of the import batches synced weighings make

S = SyncRecord.Status
K = SyncRecord.Kind


class FieldError(ValueError):
    """A user error, "Bahasa Indonesia / English"."""


def _require(user: Any, capability: Capability) -> None:
    if not role_can(getattr(user, "role", ""), capability):
        raise FieldError("Peran Anda tidak berhak melakukan ini. / Your role may not do this.")


# --- devices ----------------------------------------------------------------------------------------


def device_register(*, user: Any, label: str, request: Any = None) -> tuple[Device, str]:
    """A new device for `user`, with its token's secret (shown to the phone once, never kept)."""
    _require(user, Capability.USE_FIELD_APP)
    label = (label or "").strip()[:80]
    if not label:
        raise FieldError("Beri nama perangkat (mis. 'HP kader Sebalo'). / Give the device a name.")
    with transaction.atomic():
        try:
            token, raw = token_create(
                user=user,
                name=f"Perangkat lapangan: {label}",
                days=DEVICE_TOKEN_DAYS,
                purpose=DEVICE_PURPOSE,
                request=request,
            )
        except TokenError as exc:
            raise FieldError(str(exc)) from None
        device = Device.objects.create(user=user, label=label, token=token)
        audit_record(
            action=AuditAction.USER_CHANGED,
            actor=user,
            request=request,
            subject_type="field_device",
            subject_id=device.pk,
            detail={"registered": True, "label": label},
        )
    return device, raw


def device_revoke(*, device: Device, by: Any, reason: str = "", request: Any = None) -> Device:
    """Stop the device's token now; the phone deletes its data the next time it makes contact."""
    if device.revoked_at is None:
        with transaction.atomic():
            token_revoke(token=device.token, by=by, request=request)
            device.revoked_at = timezone.now()
            device.revoked_by = by
            device.revoke_reason = (reason or "").strip()[:200]
            device.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
            audit_record(
                action=AuditAction.USER_REVOKED,
                actor=by,
                request=request,
                subject_type="field_device",
                subject_id=device.pk,
                detail={"user": device.user_id, "reason": device.revoke_reason},
            )
    return device


def device_revoked_for(raw: str) -> Device | None:
    """The revoked device a presented token belonged to (None if it is not one). Its user is
    told "revoked, wipe"; the wipe order is logged the first time it is given.

    A device is revoked with its user (deactivated: `revoke_user`) and with its token (revoked
    on /akun/token/), not only on the devices page. A token that merely expired is not a
    revocation: that phone keeps its queue and is registered again."""
    token: ApiToken | None = token_lookup(raw)
    if token is None:
        return None
    device = Device.objects.select_related("user").filter(token=token).first()
    if device is None:
        return None
    if device.revoked_at is None:
        if device.user.is_active and token.revoked_at is None:
            return None
        device.revoked_at = token.revoked_at or timezone.now()
        device.revoked_by = token.revoked_by
        device.revoke_reason = (
            "token dicabut / token revoked"
            if token.revoked_at
            else "pengguna dinonaktifkan / user deactivated"
        )
        device.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    if device.wipe_sent_at is None:
        device.wipe_sent_at = timezone.now()
        device.save(update_fields=["wipe_sent_at"])
        audit_record(
            action=AuditAction.DEVICE_WIPED,
            actor=device.user,
            subject_type="field_device",
            subject_id=device.pk,
            detail={"revoked_at": device.revoked_at.isoformat() if device.revoked_at else ""},
        )
    return device


def device_of_token(token_id: int) -> Device | None:
    return Device.objects.select_related("user").filter(token_id=token_id, revoked_at__isnull=True).first()


def device_contact(device: Device, *, queued: int | None = None, app_version: str = "") -> None:
    fields = {"last_contact_at": timezone.now()}
    if queued is not None:
        fields["queued_on_device"] = max(0, min(int(queued), 10**9))  # type: ignore[assignment]
    if app_version:
        fields["app_version"] = app_version[:40]  # type: ignore[assignment]
    Device.objects.filter(pk=device.pk).update(**fields)


# --- attachments ------------------------------------------------------------------------------------


def attachment_store(
    *, device: Device, client_id: uuid.UUID, data: bytes, sha256: str = ""
) -> SyncAttachment:
    """Keep one uploaded photo until the record naming it arrives. The same upload again (a retry
    after a lost answer) is answered with what is there; a different file under the same id is
    refused."""
    if not data:
        raise FieldError("Berkas kosong. / The file is empty.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise FieldError("Berkas lebih dari 5 MB. / The file is larger than 5 MB.")
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and sha256.strip().lower() != digest:
        # The bytes were damaged on the way: the phone sends the file again.
        raise FieldError(
            "Berkas rusak dalam pengiriman (checksum berbeda); kirim ulang. / "
            "The file was damaged in transit (checksum differs); send it again."
        )
    try:
        content_type, ext = uploads.type_of(data)
    except uploads.UploadError as exc:
        raise FieldError(str(exc)) from None
    existing = SyncAttachment.objects.filter(device=device, client_id=client_id).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise FieldError(
                "Id lampiran sudah dipakai untuk berkas lain. / The attachment id is used by another file."
            )
        return existing
    item = SyncAttachment(
        device=device, client_id=client_id, sha256=digest, size=len(data), content_type=content_type
    )
    try:
        with transaction.atomic():
            item.file.save(f"{device.pk}-{client_id}{ext}", ContentFile(data), save=False)
            item.save()
    except IntegrityError:  # the same upload, twice at once
        item.file.delete(save=False)
        return SyncAttachment.objects.get(device=device, client_id=client_id)
    return item


# --- what a phone sends --------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChildSnapshot(_Strict):
    name: str = Field("", max_length=200)
    sex: str = Field("", max_length=1)
    birth_date: date | None = None


class MeasurementData(_Strict):
    child_id: int | None = Field(None, ge=1, le=2**31 - 1)
    # A child the phone does not know (a newborn, a family that moved in): who it is, as typed.
    nik: str = Field("", max_length=32)
    name: str = Field("", max_length=200)
    sex: str = Field("", max_length=20)
    birth_date: date | None = None
    mother_name: str = Field("", max_length=200)
    desa_code: str = Field("", max_length=13)
    posyandu: str = Field("", max_length=200)
    measurement_date: date
    weight_kg: float = Field(..., allow_inf_nan=False)
    height_cm: float | None = Field(None, allow_inf_nan=False)
    position: Literal["lying", "standing", ""] = ""
    muac_cm: float | None = Field(None, allow_inf_nan=False)
    child_snapshot: ChildSnapshot | None = None


class InterventionData(_Strict, InterventionFields):
    child_snapshot: ChildSnapshot | None = None


class VisitData(_Strict, VisitFields):
    pass


class DeclarationData(_Strict, DeclarationFields):
    pass


_DATA: dict[str, type[_Strict]] = {
    K.MEASUREMENT: MeasurementData,
    K.INTERVENTION: InterventionData,
    K.VISIT: VisitData,
    K.DECLARATION: DeclarationData,
}
_CAPABILITY: dict[str, Capability] = {
    K.MEASUREMENT: Capability.RECORD_MEASUREMENTS,
    K.INTERVENTION: Capability.RECORD_INTERVENTIONS,
    K.VISIT: Capability.PROCESS_ADMINDUK,
    K.DECLARATION: Capability.DECLARE_BIRTHS,
}


@dataclass
class Incoming:
    """One record as the phone sent it (the API's schema has checked its envelope)."""

    client_id: uuid.UUID
    seq: int
    kind: str
    data: dict[str, Any]
    recorded_at: datetime | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)  # {"client_id", "kind"}

    def digest(self) -> str:
        body = {"kind": self.kind, "data": self.data, "attachments": self.attachments}
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Answer:
    client_id: str
    seq: int
    status: str  # a SyncRecord status, or "waiting" / "retry"
    message_id: str = ""
    message_en: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    conflict: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "seq": self.seq,
            "status": self.status,
            "message_id": self.message_id,
            "message_en": self.message_en,
            "result": self.result,
            "conflict": self.conflict,
            "replayed": self.replayed,
        }


def _answer_of(record: SyncRecord, *, replayed: bool) -> Answer:
    return Answer(
        client_id=str(record.client_id),
        seq=record.seq,
        status=record.status,
        message_id=record.message_id,
        message_en=record.message_en,
        result=record.result,
        conflict=record.conflict,
        replayed=replayed,
    )


def _final(
    device: Device,
    item: Incoming,
    status: str,
    message: str = "",
    *,
    result: dict[str, Any] | None = None,
    child: Child | None = None,
    desa_id: int | None = None,
    observed_on: date | None = None,
    payload: dict[str, Any] | None = None,
    conflict: dict[str, Any] | None = None,
) -> Answer:
    """Write the ledger entry (the record's final answer) and return it."""
    message_id, message_en = bilingual(message) if message else ("", "")
    record = SyncRecord.objects.create(
        device=device,
        client_id=item.client_id,
        seq=item.seq,
        kind=item.kind,
        payload_sha256=item.digest(),
        recorded_at=item.recorded_at,
        status=status,
        message_id=message_id,
        message_en=message_en,
        result=result or {},
        child=child,
        desa_id=desa_id if desa_id is not None else (child.desa_id if child is not None else None),
        observed_on=observed_on,
        payload=payload or {},
        conflict=conflict or {},
    )
    return _answer_of(record, replayed=False)


def _pending(item: Incoming, status: str, message: str) -> Answer:
    message_id, message_en = bilingual(message)
    return Answer(str(item.client_id), item.seq, status, message_id, message_en)


def _validation_message(exc: ValidationError) -> str:
    parts_id, parts_en = [], []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "data"
        parts_id.append(f"{where}: {err.get('msg', '')}")
        parts_en.append(f"{where}: {err.get('msg', '')}")
    return f"Isian tidak sah: {'; '.join(parts_id)} / Invalid entry: {'; '.join(parts_en)}"


def _child_changes(child: Child, snapshot: ChildSnapshot | None) -> dict[str, Any]:
    """Rule `identitas`: what changed on the server since the phone downloaded the child."""
    if snapshot is None:
        return {}
    changed: dict[str, Any] = {}
    if snapshot.name and snapshot.name.strip().upper() != (child.name or "").strip().upper():
        changed["name"] = child.name
    if snapshot.sex and child.sex and snapshot.sex != child.sex:
        changed["sex"] = child.sex
    if snapshot.birth_date and child.birth_date and snapshot.birth_date != child.birth_date:
        changed["birth_date"] = child.birth_date.isoformat()
    return changed


def _identity_note(changed: dict[str, Any]) -> tuple[str, str]:
    if not changed:
        return "", ""
    names = {
        "name": ("nama", "name"),
        "sex": ("jenis kelamin", "sex"),
        "birth_date": ("tanggal lahir", "birth date"),
    }
    fields_id = ", ".join(names[k][0] for k in changed)
    fields_en = ", ".join(names[k][1] for k in changed)
    return (
        f" Data anak berubah di server ({fields_id}); catatan disimpan dengan data server.",
        f" The child's details changed on the server ({fields_en}); the record was kept with the server's.",
    )


def _join(base: str, extra: tuple[str, str]) -> str:
    a, b = bilingual(base)
    return f"{a}{extra[0]} / {b}{extra[1]}"


# --- measurements ---------------------------------------------------------------------------------


@dataclass
class _Weighing:
    item: Incoming
    data: MeasurementData
    child: Child | None
    row: dict[str, Any]
    changed: dict[str, Any]


def _row(data: MeasurementData, child: Child | None, measured_by: str) -> dict[str, Any]:
    """The e-PPGBM row: who the child is from the server when the phone names a known child
    (rule `identitas`), else as typed on the phone."""
    if child is not None:
        ident = {
            "nik": child.nik or data.nik,
            "name": child.name or data.name,
            "sex": child.sex or data.sex,
            "birth_date": (child.birth_date or data.birth_date),
            "mother_name": child.mother_name or data.mother_name,
            "desa": child.desa.code if child.desa else data.desa_code,
        }
    else:
        ident = {
            "nik": data.nik,
            "name": data.name,
            "sex": data.sex,
            "birth_date": data.birth_date,
            "mother_name": data.mother_name,
            "desa": data.desa_code,
        }
    birth = ident["birth_date"]
    return {
        **ident,
        "birth_date": birth.isoformat() if isinstance(birth, date) else "",
        "posyandu": data.posyandu,
        "puskesmas": "",
        "measurement_date": data.measurement_date.isoformat(),
        "weight_kg": data.weight_kg,
        "height_cm": data.height_cm,
        "position": data.position,
        "muac_cm": data.muac_cm,
        # The phone's user measured: the cadre the quality checks group by (satuanak.mutu).
        "measured_by": measured_by,
    }


def _person_keys(children: Iterable[Child]) -> dict[str, int]:
    """Person key (as the e-PPGBM staging has it) -> child id: the NIK and every e-PPGBM record
    linkage put on the child."""
    keys: dict[str, int] = {}
    ids = []
    for c in children:
        ids.append(c.pk)
        if c.nik:
            keys[c.nik] = c.pk
    for child_id, record_id in ChildRecord.objects.filter(child_id__in=ids, source="eppgbm").values_list(
        "child_id", "record_id"
    ):
        if record_id.startswith("eppgbm:"):
            keys[record_id.removeprefix("eppgbm:")] = child_id
    return keys


def _held(device: Device, pending: Sequence[_Weighing]) -> dict[tuple[int, date], list[rules.Weighing]]:
    """What the server holds for each (child, date) of the pending weighings: from phones (the
    ledger) and from e-PPGBM files (the staged rows; a phone's own batches are counted once,
    as the phone's)."""
    pairs = {(w.child.pk, w.data.measurement_date) for w in pending if w.child is not None}
    held: dict[tuple[int, date], list[rules.Weighing]] = {p: [] for p in pairs}
    if not pairs:
        return held
    child_ids = {c for c, _ in pairs}
    dates = {d for _, d in pairs}
    ledger = (
        SyncRecord.objects.filter(
            kind=K.MEASUREMENT,
            child_id__in=child_ids,
            observed_on__in=dates,
            status__in=[S.ACCEPTED, S.TOOK_DEVICE],
        )
        .select_related("device__user")
        .order_by("received_at", "id")
    )
    for r in ledger:
        if r.observed_on is None:
            continue
        key = (r.child_id or 0, r.observed_on)
        if key in held:
            held[key].append(
                rules.Weighing(
                    r.result.get("weight_kg"),
                    r.result.get("height_cm"),
                    f"perangkat #{r.device_id} ({r.device.user.get_username()})",
                    own=r.device_id == device.pk,
                    posyandu=r.result.get("posyandu") or "",
                )
            )
    from satuanak.imports.services import staged_records

    staged = staged_records("eppgbm")
    if staged is None:
        return held
    keys = _person_keys(w.child for w in pending if w.child is not None)
    if not keys:
        return held
    found = (
        staged.filter(pl.col("person_key").is_in(list(keys)) & pl.col("measurement_date").is_in(list(dates)))
        .select("person_key", "measurement_date", "weight_kg", "height_cm", "batch_id", "posyandu")
        .collect()
    )
    # Rows a phone sent (whichever phone) are counted above, from the ledger, as that phone's.
    sync_batches = set(
        ImportBatch.objects.filter(
            pk__in=set(found["batch_id"].to_list()), file_name__startswith=SYNC_FILE_PREFIX
        ).values_list("pk", flat=True)
    )
    for person_key, day, weight, height, batch_id, posyandu in found.iter_rows():
        if batch_id in sync_batches:
            continue
        key = (keys[person_key], day)
        if key in held:
            held[key].append(
                rules.Weighing(
                    None if weight is None else float(weight),
                    None if height is None else float(height),
                    f"berkas e-PPGBM (batch {batch_id})",
                    posyandu=posyandu or "",
                )
            )
    return held


def _weighing_of(value: rules.Weighing) -> dict[str, Any]:
    return {
        "weight_kg": value.weight_kg,
        "height_cm": value.height_cm,
        "source": value.source,
        "posyandu": value.posyandu,
    }


def _import(device: Device, group: list[_Weighing]) -> list[Answer]:
    """Send the group through the e-PPGBM import (one batch) and answer each from its issues."""
    from satuanak.imports.services import import_rows_run

    user = device.user
    try:
        batches = import_rows_run(
            adapter_name="eppgbm",
            rows=[w.row for w in group],
            user=user,
            file_name=f"{SYNC_FILE_PREFIX}perangkat-{device.pk}.csv",
        )
    except Exception as exc:
        message = (
            f"Server tidak dapat memproses sekarang ({exc.__class__.__name__}); dicoba lagi otomatis. / "
            "The server could not process this now; it will be retried automatically."
        )
        return [_pending(w.item, "retry", message) for w in group]
    batch = batches[0] if batches else None
    if batch is None or batch.status != ImportBatch.Status.DONE:
        message = (
            "Impor sedang berjalan atau gagal; dicoba lagi otomatis. / "
            "An import is running or failed; it will be retried automatically."
        )
        return [_pending(w.item, "retry", message) for w in group]
    header = batch.header_row or 1
    errors: dict[int, list[str]] = {}
    warnings: dict[int, list[str]] = {}
    for row, severity, message in batch.issues.order_by("row_number", "id").values_list(
        "row_number", "severity", "message"
    ):
        if row is None:
            continue
        index = row - header - 1
        (errors if severity == "error" else warnings).setdefault(index, []).append(message)
    answers = []
    for i, w in enumerate(group):
        note = _identity_note(w.changed)
        values = {"weight_kg": w.data.weight_kg, "height_cm": w.data.height_cm, "posyandu": w.data.posyandu}
        common = {
            "child": w.child,
            "desa_id": w.child.desa_id if w.child is not None else None,
            "observed_on": w.data.measurement_date,
        }
        if i in errors:
            text = "; ".join(errors[i])
            answers.append(
                _final(
                    device,
                    w.item,
                    S.REJECTED,
                    f"Ditolak pemeriksaan e-PPGBM: {text} / Refused by the e-PPGBM checks: {text}",
                    result={"batch": batch.pk},
                    **common,  # type: ignore[arg-type]
                )
            )
            continue
        text = "; ".join(warnings.get(i, []))
        base = (
            "Diterima. / Accepted."
            if not text
            else f"Diterima, dengan catatan: {text} / Accepted, with notes: {text}"
        )
        result: dict[str, Any] = {"batch": batch.pk, **values}
        if w.changed:
            result["child_changed"] = w.changed
        answers.append(_final(device, w.item, S.ACCEPTED, _join(base, note), result=result, **common))  # type: ignore[arg-type]
    return answers


def _measurements(device: Device, items: list[tuple[Incoming, MeasurementData]]) -> list[Answer]:
    user = device.user
    measurer = (user.get_full_name() or user.get_username())[:100]
    visible = children_visible_to(user).select_related("desa")
    wanted = {d.child_id for _, d in items if d.child_id}
    children = {c.pk: c for c in visible.filter(pk__in=wanted)}
    area = set(desa_visible_to(user).values_list("code", flat=True))
    answers: dict[str, Answer] = {}
    ready: list[_Weighing] = []
    for item, data in items:
        child = children.get(data.child_id) if data.child_id else None
        if data.child_id and child is None:
            answers[str(item.client_id)] = _final(
                device,
                item,
                S.REJECTED,
                "Anak tidak ditemukan di wilayah Anda. / Child not found in your area.",
                observed_on=data.measurement_date,
            )
            continue
        if child is None and data.desa_code.strip() not in area:
            answers[str(item.client_id)] = _final(
                device,
                item,
                S.REJECTED,
                "Desa di luar wilayah Anda atau tidak dikenal. / The desa is outside your area or unknown.",
                observed_on=data.measurement_date,
            )
            continue
        changed = _child_changes(child, data.child_snapshot) if child is not None else {}
        ready.append(_Weighing(item, data, child, _row(data, child, measurer), changed))

    held = _held(device, ready)
    group: list[_Weighing] = []
    in_group: set[tuple[int, date]] = set()

    def flush() -> None:
        for a in _import(device, group):
            answers[a.client_id] = a
        group.clear()
        in_group.clear()

    for w in ready:
        if w.child is None:
            group.append(w)
            continue
        key = (w.child.pk, w.data.measurement_date)
        if key in in_group:  # the phone's own correction in this very request: in order
            flush()
            held = _held(device, ready)
        sent = rules.Weighing(w.data.weight_kg, w.data.height_cm, f"perangkat #{device.pk}", own=True)
        decision = rules.measurement_decision(sent, held.get(key, []))
        note = _identity_note(w.changed)
        if decision.outcome == "same" and decision.against is not None:
            answers[str(w.item.client_id)] = _final(
                device,
                w.item,
                S.DUPLICATE,
                _join(
                    f"Sudah ada di server ({decision.against.source}); tidak dicatat dua kali. / "
                    f"Already on the server ({decision.against.source}); not recorded twice.",
                    note,
                ),
                child=w.child,
                observed_on=w.data.measurement_date,
                result={"rule": decision.rule},
            )
        elif decision.outcome == "conflict" and decision.against is not None:
            server = _weighing_of(decision.against)
            mine = {"weight_kg": w.data.weight_kg, "height_cm": w.data.height_cm, "source": sent.source}
            answers[str(w.item.client_id)] = _final(
                device,
                w.item,
                S.CONFLICT,
                "Konflik: server sudah punya nilai lain untuk anak dan tanggal ini; nilai server tetap, "
                "nilai Anda menunggu keputusan petugas puskesmas / pengelola data. / "
                "Conflict: the server already holds other values for this child and date; the "
                "server's value stays, yours waits for puskesmas staff or the data steward to decide.",
                child=w.child,
                observed_on=w.data.measurement_date,
                payload={"row": w.row},
                conflict={"rule": decision.rule, "server": server, "device": mine},
            )
        else:
            group.append(w)
            in_group.add(key)
    if group:
        flush()
    return [answers[str(item.client_id)] for item, _ in items]


# --- the other kinds -------------------------------------------------------------------------------


def _intervention(device: Device, item: Incoming, data: InterventionData, request: Any) -> Answer:
    from satuanak.interventions.models import Intervention
    from satuanak.interventions.services import InterventionError, intervention_record

    user = device.user
    child = children_visible_to(user).filter(pk=data.child_id).first()
    if child is None:
        return _final(
            device, item, S.REJECTED, "Anak tidak ditemukan di wilayah Anda. / Child not found in your area."
        )
    note = _identity_note(_child_changes(child, data.child_snapshot))
    same = Intervention.objects.filter(child=child, kind=data.kind, start_date=data.start_date).first()
    if same is not None:
        return _final(
            device,
            item,
            S.DUPLICATE,
            _join(
                f"Intervensi ini sudah tercatat (#{same.pk}); tidak dicatat dua kali. / "
                f"This intervention is already recorded (#{same.pk}); not recorded twice.",
                note,
            ),
            child=child,
            observed_on=data.start_date,
            result={"rule": "kegiatan", "intervention": same.pk},
        )
    fields = data.model_dump(exclude={"child_snapshot"})
    try:
        with transaction.atomic():
            made = intervention_record(user=user, request=request, **fields)
            return _final(
                device,
                item,
                S.ACCEPTED,
                _join("Diterima. / Accepted.", note),
                child=child,
                observed_on=data.start_date,
                result={"intervention": made.pk},
            )
    except InterventionError as exc:
        return _final(device, item, S.REJECTED, str(exc), child=child, observed_on=data.start_date)


def _visit(device: Device, item: Incoming, data: VisitData, request: Any) -> Answer:
    from satuanak.jempol.models import Visit
    from satuanak.jempol.services import JempolError, visit_record

    user = device.user
    code = data.desa_code.strip()
    if code not in set(desa_visible_to(user).values_list("code", flat=True)):
        return _final(
            device,
            item,
            S.REJECTED,
            "Desa di luar wilayah Anda atau tidak dikenal. / The desa is outside your area or unknown.",
        )
    same = Visit.objects.filter(desa__code=code, date=data.date).first()
    if same is not None:
        return _final(
            device,
            item,
            S.DUPLICATE,
            f"Kunjungan ke desa ini pada tanggal ini sudah tercatat (#{same.pk}). / "
            f"A visit to this desa on this date is already recorded (#{same.pk}).",
            desa_id=same.desa_id,
            observed_on=data.date,
            result={"rule": "kegiatan", "visit": same.pk},
        )
    try:
        with transaction.atomic():
            made = visit_record(
                user=user,
                desa_code=code,
                date=data.date,
                services=data.services,
                documents=data.documents,
                team=data.team,
                notes=data.notes,
                request=request,
            )
            return _final(
                device,
                item,
                S.ACCEPTED,
                "Diterima. / Accepted.",
                desa_id=made.desa_id,
                observed_on=data.date,
                result={"visit": made.pk},
            )
    except (JempolError, PermissionError) as exc:
        return _final(device, item, S.REJECTED, str(exc), observed_on=data.date)


def _declaration(device: Device, item: Incoming, data: DeclarationData, request: Any) -> Answer:
    from satuanak.adminduk.services import DeclarationError, DeclarationInput, declaration_create

    ids = []
    for ref in item.attachments:
        try:
            ids.append((uuid.UUID(str(ref.get("client_id", ""))), str(ref.get("kind", ""))[:30]))
        except ValueError:
            return _final(device, item, S.REJECTED, "Id lampiran tidak sah. / An attachment id is not valid.")
    stored = {
        a.client_id: a
        for a in SyncAttachment.objects.filter(device=device, client_id__in=[i for i, _ in ids])
        if a.file
    }
    missing = [str(i) for i, _ in ids if i not in stored]
    if missing:
        return _pending(
            item,
            "waiting",
            f"Menunggu {len(missing)} foto dokumen terkirim. / "
            f"Waiting for {len(missing)} document photo(s) to arrive.",
        )
    files: dict[str, list[Any]] = {}
    for i, kind in ids:
        staged = stored[i]
        with staged.file.open("rb") as f:
            files.setdefault(kind, []).append(
                SimpleUploadedFile(f"{kind}-{i}{_ext(staged.content_type)}", f.read())
            )
    fields = data.model_dump()
    try:
        with transaction.atomic():
            made = declaration_create(
                user=device.user, data=DeclarationInput(**fields), attachments=files, request=request
            )
            answer = _final(
                device,
                item,
                S.ACCEPTED,
                f"Diterima; kode lacak {made.tracking_code}. / Accepted; tracking code {made.tracking_code}.",
                desa_id=made.desa_id,
                observed_on=timezone.localtime(made.birth_at).date(),
                result={"declaration": made.pk, "tracking_code": made.tracking_code, "state": made.state},
            )
            record = SyncRecord.objects.get(device=device, client_id=item.client_id)
            SyncAttachment.objects.filter(pk__in=[a.pk for a in stored.values()]).update(used_by=record)
    except DeclarationError as exc:
        # Each of the checks' messages is already bilingual: shown whole, in both fields.
        messages = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [str(exc)]
        text = " ".join(str(m) for m in messages)
        return _final(device, item, S.REJECTED, f"{text} / {text}")
    # The declaration keeps its own copies; the staged photos go once it is saved.
    for a in stored.values():
        a.file.delete(save=True)
    return answer


def _ext(content_type: str) -> str:
    return uploads.EXTENSIONS.get(content_type, "")


# --- one request ---------------------------------------------------------------------------------


def sync_records(*, device: Device, records: Sequence[Incoming], request: Any = None) -> list[Answer]:
    """Apply what the phone sent, in the phone's order (its `seq`), each record once."""
    if len(records) > MAX_RECORDS:
        raise FieldError(
            f"Paling banyak {MAX_RECORDS} catatan per kiriman. / At most {MAX_RECORDS} records per request."
        )
    user = device.user
    caps = policy_for(getattr(user, "role", "")).capabilities
    ordered = sorted(records, key=lambda r: r.seq)
    known = {
        str(r.client_id): r
        for r in SyncRecord.objects.filter(device=device, client_id__in=[r.client_id for r in ordered])
    }
    answers: dict[str, Answer] = {}
    measurements: list[tuple[Incoming, MeasurementData]] = []

    def flush_measurements() -> None:
        for a in _measurements(device, measurements):
            answers[a.client_id] = a
        measurements.clear()

    for item in ordered:
        key = str(item.client_id)
        if key in answers:
            continue  # the same record twice in one request: answered once (below, in the output)
        before = known.get(key)
        if before is not None:
            if before.payload_sha256 != item.digest():
                answers[key] = _pending(
                    item,
                    S.REJECTED,
                    "Id catatan sudah dipakai untuk isi lain. / The record id was used for other content.",
                )
            else:
                answers[key] = _answer_of(before, replayed=True)
            continue
        model = _DATA.get(item.kind)
        if model is None:
            answers[key] = _pending(item, S.REJECTED, "Jenis catatan tidak dikenal. / Unknown record kind.")
            continue
        if _CAPABILITY[item.kind] not in caps:
            answers[key] = _final(
                device,
                item,
                S.REJECTED,
                "Peran Anda tidak berhak mencatat ini. / Your role may not record this.",
            )
            continue
        try:
            data = model.model_validate(item.data)
        except ValidationError as exc:
            answers[key] = _final(device, item, S.REJECTED, _validation_message(exc))
            continue
        if isinstance(data, MeasurementData):
            measurements.append((item, data))
            continue
        flush_measurements()  # keep the phone's order across kinds
        if isinstance(data, InterventionData):
            answers[key] = _intervention(device, item, data, request)
        elif isinstance(data, VisitData):
            answers[key] = _visit(device, item, data, request)
        elif isinstance(data, DeclarationData):
            answers[key] = _declaration(device, item, data, request)
    flush_measurements()

    now = timezone.now()
    Device.objects.filter(pk=device.pk).update(last_sync_at=now, last_contact_at=now)
    counts: dict[str, int] = {}
    for a in answers.values():
        counts[a.status] = counts.get(a.status, 0) + 1
    audit_record(
        action=AuditAction.DEVICE_SYNCED,
        actor=user,
        request=request,
        subject_type="field_device",
        subject_id=device.pk,
        detail={"records": len(ordered), "statuses": counts},
    )
    return [answers[str(r.client_id)] for r in records]


def updates_for(device: Device, client_ids: Iterable[uuid.UUID]) -> list[Answer]:
    """The current answer of records the phone still shows as conflicts (decided meanwhile?)."""
    return [
        _answer_of(r, replayed=True)
        for r in SyncRecord.objects.filter(device=device, client_id__in=list(client_ids)[:MAX_RECORDS])
    ]


# --- deciding a conflict ----------------------------------------------------------------------------


def conflict_resolve(*, record: SyncRecord, choice: str, user: Any, request: Any = None) -> SyncRecord:
    """Keep the server's value, or take the phone's (through the e-PPGBM checks, as any value)."""
    from satuanak.imports.services import import_rows_run

    _require(user, Capability.RESOLVE_FIELD_CONFLICTS)
    if record.status != S.CONFLICT:
        raise FieldError("Konflik ini sudah diputuskan. / This conflict is already decided.")
    if record.child_id is None or not children_visible_to(user).filter(pk=record.child_id).exists():
        raise FieldError("Anak tidak di wilayah Anda. / The child is not in your area.")
    if choice not in ("server", "device"):
        raise FieldError(
            "Pilih nilai server atau nilai perangkat. / Choose the server's or the phone's value."
        )
    result = dict(record.result)
    if choice == "device":
        row = dict(record.payload.get("row") or {})
        # Recorded under the server value's own posyandu, the phone's value replaces that
        # record (the e-PPGBM key is child, date and posyandu) instead of standing beside it.
        server_posyandu = record.conflict.get("server", {}).get("posyandu")
        if server_posyandu:
            row["posyandu"] = server_posyandu
        batches = import_rows_run(
            adapter_name="eppgbm",
            rows=[row],
            user=user,
            file_name=f"{SYNC_FILE_PREFIX}konflik-{record.pk}.csv",
        )
        batch = batches[0] if batches else None
        if batch is None or batch.status != ImportBatch.Status.DONE or batch.accepted != 1:
            reasons = (
                "; ".join(batch.issues.filter(severity="error").values_list("message", flat=True))
                if batch
                else ""
            )
            raise FieldError(
                f"Nilai perangkat ditolak pemeriksaan e-PPGBM: {reasons} / "
                f"The phone's value was refused by the e-PPGBM checks: {reasons}"
            )
        device_values = record.conflict.get("device", {})
        result.update(
            {
                "batch": batch.pk,
                "weight_kg": device_values.get("weight_kg"),
                "height_cm": device_values.get("height_cm"),
            }
        )
        status = S.TOOK_DEVICE
        message = (
            "Konflik diputuskan: nilai perangkat dipakai dan menggantikan nilai server. / "
            "Conflict decided: the phone's value was taken and replaces the server's."
        )
    else:
        status = S.KEPT_SERVER
        message = (
            "Konflik diputuskan: nilai server tetap; nilai perangkat tidak dipakai. / "
            "Conflict decided: the server's value stays; the phone's value was not taken."
        )
    who = user.get_username()
    message_id, message_en = bilingual(message)
    record.status = status
    record.message_id = f"{message_id} (oleh {who})"
    record.message_en = f"{message_en} (by {who})"
    record.result = result
    record.payload = {}  # the phone's values are no longer needed: kept no longer
    record.resolved_at = timezone.now()
    record.resolved_by = user
    record.save()
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type="field_conflict",
        subject_id=record.pk,
        desa_code=record.desa.code if record.desa else "",
        detail={"child": record.child_id, "choice": choice},
    )
    return record


def stale_attachments_remove(*, older_than: timedelta = timedelta(days=30), dry_run: bool = False) -> int:
    """Photos uploaded for a record that never came (the phone was wiped or lost): deleted."""
    cutoff = timezone.now() - older_than
    stale = SyncAttachment.objects.filter(used_by__isnull=True, received_at__lt=cutoff).exclude(file="")
    if dry_run:
        return stale.count()
    removed = 0
    for a in stale:
        a.file.delete(save=True)
        removed += 1
    return removed
