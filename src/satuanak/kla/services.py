"""Writes of the KLA evaluation: load the shipped indicator set, enter a value with evidence,
edit the indicator set in a draft version and publish it. Each write checks the capability
and leaves an audit entry (RECORD_CHANGED)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import uploads
from satuanak.kla.models import EnteredValue, Indicator, IndicatorSet, ValueEvidence
from satuanak.kla.selectors import (
    KlaError,
    indicator_set_draft,
    indicator_set_published,
    indicators_of,
    period_bounds,
)

EVIDENCE_FOLDER = "kla"
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
MAX_NOTE = 2000


def _indicators_path() -> Path:
    return Path(settings.SATUANAK_DATA_DIR) / "kla" / "indicators_v1.json"


def _need(user: Any, capability: Capability) -> None:
    if not role_can(getattr(user, "role", ""), capability):
        raise PermissionDenied("Tidak berwenang. / Not allowed.")


def _audit(user: Any, request: HttpRequest | None, subject_type: str, subject_id: Any, **detail: Any) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


FIELDS = (
    "code", "cluster", "title_id", "title_en", "definition_id", "definition_en", "unit", "target",
    "zero_point", "weight", "higher_is_better", "verified", "data_source", "note",
)  # fmt: skip


@transaction.atomic
def kla_indicators_load(*, path: Path | None = None) -> IndicatorSet:
    """Load data/kla/indicators_v1.json as a published version; idempotent: a version with that
    number already present is left as it is (published versions never change)."""
    data = json.loads((path or _indicators_path()).read_text(encoding="utf-8"))
    existing = IndicatorSet.objects.filter(version=data["version"]).first()
    if existing is not None:
        return existing
    s = IndicatorSet.objects.create(
        version=data["version"],
        title=data["title"],
        valid_from=date.fromisoformat(data["valid_from"]),
        published=True,
        published_at=timezone.now(),
        note=data.get("_weights", ""),
    )
    Indicator.objects.bulk_create(
        Indicator(
            indicator_set=s,
            order=order,
            platform_source=row.get("platform_source") or "",
            **{f: row[f] for f in FIELDS},
        )
        for order, row in enumerate(data["indicators"], start=1)
    )
    return s


# --- entered values -------------------------------------------------------------------------


def _number(text: Any, label: str, *, integer: bool = False) -> float | None:
    raw = str(text if text is not None else "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise KlaError(f"{label}: bukan angka. / {label}: not a number.") from exc
    if not math.isfinite(value) or value < 0 or (integer and value != int(value)):
        raise KlaError(
            f"{label}: harus angka {'bulat ' if integer else ''}tidak negatif. / "
            f"{label}: must be a non-negative {'whole ' if integer else ''}number."
        )
    return value


@transaction.atomic
def kla_value_enter(
    *,
    user: Any,
    code: str,
    period: str,
    value: Any,
    numerator: Any = None,
    denominator: Any = None,
    data_date: date | None = None,
    note: str = "",
    files: Sequence[uploads.UploadedFileLike] = (),
    request: HttpRequest | None = None,
) -> EnteredValue:
    """Store a new entry (earlier ones stay as history). The code must be in the published set;
    a percentage or score within 0..100; numerator <= denominator; a note or evidence."""
    _need(user, Capability.KLA_ENTER_VALUES)
    period = (period or "").strip()
    period_bounds(period)
    published = indicator_set_published()
    ind = published.indicators.filter(code=(code or "").strip()).first() if published else None
    if ind is None:
        raise KlaError("Indikator tidak dikenal. / Unknown indicator.")
    v = _number(value, "Nilai / value")
    if v is None:
        raise KlaError("Nilai wajib diisi. / A value is required.")
    if ind.unit in (Indicator.Unit.PERCENT, Indicator.Unit.SCORE) and v > 100:
        raise KlaError("Nilai persen atau skor harus 0-100. / A percentage or score must be 0-100.")
    num = _number(numerator, "Pembilang / numerator", integer=True)
    den = _number(denominator, "Penyebut / denominator", integer=True)
    if (num is None) != (den is None):
        raise KlaError(
            "Isi pembilang dan penyebut bersama, atau kosongkan keduanya. / "
            "Give both numerator and denominator, or neither."
        )
    if num is not None and den is not None and (den == 0 or num > den):
        raise KlaError(
            "Pembilang tidak boleh melebihi penyebut (penyebut > 0). / "
            "The numerator must not exceed the denominator (denominator > 0)."
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise KlaError(
            f"Catatan paling panjang {MAX_NOTE} karakter. / The note is at most {MAX_NOTE} characters."
        )
    if data_date is not None and data_date.year < 2000:
        raise KlaError("Tanggal data tidak sah. / Invalid data date.")
    try:
        checked = uploads.checked_files(
            list(files), max_bytes=MAX_EVIDENCE_BYTES, max_files=MAX_EVIDENCE_FILES
        )
    except uploads.UploadError as exc:
        raise KlaError(str(exc)) from exc
    if not checked and not note:
        raise KlaError(
            "Lampirkan bukti atau tulis sumbernya di catatan. / "
            "Attach evidence or name the source in the note."
        )
    entry = EnteredValue.objects.create(
        code=ind.code,
        period=period,
        value=v,
        numerator=int(num) if num is not None else None,
        denominator=int(den) if den is not None else None,
        data_date=data_date,
        note=note,
        entered_by=user,
    )
    for f in checked:
        ValueEvidence.objects.create(
            entered_value=entry,
            stored_name=uploads.store(f, folder=EVIDENCE_FOLDER),
            original_name=f.original_name,
            content_type=f.content_type,
            size_bytes=len(f.data),
            sha256=f.sha256,
        )
    _audit(user, request, "kla_value", entry.pk, code=ind.code, period=period, value=v, files=len(checked))
    return entry


# --- the indicator set: draft, edit, publish -----------------------------------------------


@transaction.atomic
def kla_set_draft(*, user: Any, request: HttpRequest | None = None) -> IndicatorSet:
    """The draft to edit: the existing one, or a copy of the published version."""
    _need(user, Capability.KLA_MANAGE)
    draft = IndicatorSet.objects.select_for_update().filter(published=False).order_by("-version").first()
    if draft is not None:
        return draft
    source = indicator_set_published()
    if source is None:
        raise KlaError("Belum ada set indikator terbit. / No published indicator set yet.")
    last = IndicatorSet.objects.order_by("-version").values_list("version", flat=True).first() or 0
    draft = IndicatorSet.objects.create(
        version=last + 1, title=source.title, based_on=source, created_by=user, note=source.note
    )
    Indicator.objects.bulk_create(
        Indicator(
            indicator_set=draft,
            order=i.order,
            platform_source=i.platform_source,
            **{f: getattr(i, f) for f in FIELDS},
        )
        for i in indicators_of(source)
    )
    _audit(user, request, "kla_indicator_set", draft.pk, version=draft.version, based_on=source.version)
    return draft


def _bool(text: Any) -> bool:
    return str(text or "").strip().lower() in ("1", "true", "on", "yes", "ya")


@transaction.atomic
def kla_indicator_edit(
    *,
    user: Any,
    indicator_set: IndicatorSet,
    changes: dict[str, dict[str, Any]],
    request: HttpRequest | None = None,
) -> int:
    """Apply {code: {"weight", "target", "zero_point", "verified", "platform_source"}} to a
    draft; all or nothing. Returns how many indicators changed."""
    _need(user, Capability.KLA_MANAGE)
    if indicator_set.published:
        raise KlaError("Versi terbit tidak dapat diubah. / A published version cannot be changed.")
    from satuanak.kla.selectors import PLATFORM_COMPUTATIONS

    by_code = {i.code: i for i in indicators_of(indicator_set)}
    unknown = sorted(set(changes) - set(by_code))
    if unknown:
        raise KlaError(f"Indikator tidak dikenal: {', '.join(unknown)}. / Unknown indicators.")
    changed = []
    for code, c in changes.items():
        ind = by_code[code]
        before = (ind.weight, ind.target, ind.zero_point, ind.verified, ind.platform_source)
        for field in ("weight", "target", "zero_point"):
            if field in c:
                number = _number(c[field], f"{code} {field}")
                if number is None:
                    raise KlaError(f"{code}: {field} wajib diisi. / {code}: {field} is required.")
                setattr(ind, field, number)
        if "verified" in c:
            ind.verified = _bool(c["verified"])
        if "platform_source" in c:
            src = str(c["platform_source"] or "").strip()
            if src and src not in PLATFORM_COMPUTATIONS:
                raise KlaError(f"{code}: sumber platform tidak dikenal. / {code}: unknown platform source.")
            ind.platform_source = src
        if (
            ind.unit in (Indicator.Unit.PERCENT, Indicator.Unit.SCORE)
            and max(ind.target, ind.zero_point) > 100
        ):
            raise KlaError(
                f"{code}: target dan titik nol 0-100. / {code}: target and zero point within 0-100."
            )
        if ind.target == ind.zero_point or ind.higher_is_better != (ind.target > ind.zero_point):
            raise KlaError(
                f"{code}: target harus {'di atas' if ind.higher_is_better else 'di bawah'} titik nol. / "
                f"{code}: the target must be {'above' if ind.higher_is_better else 'below'} the zero point."
            )
        if (ind.weight, ind.target, ind.zero_point, ind.verified, ind.platform_source) != before:
            ind.save()
            changed.append(code)
    if changed:
        _audit(
            user,
            request,
            "kla_indicator_set",
            indicator_set.pk,
            version=indicator_set.version,
            changed=changed,
        )
    return len(changed)


WEIGHT_TOTAL = 1000.0


@transaction.atomic
def kla_set_publish(
    *, user: Any, indicator_set: IndicatorSet, valid_from: date, request: HttpRequest | None = None
) -> IndicatorSet:
    """Publish a draft: its weights must add up to 1000."""
    _need(user, Capability.KLA_MANAGE)
    s = IndicatorSet.objects.select_for_update().get(pk=indicator_set.pk)
    if s.published:
        raise KlaError("Versi ini sudah terbit. / This version is already published.")
    total = round(sum(i.weight for i in indicators_of(s)), 4)
    if abs(total - WEIGHT_TOTAL) > 1e-6:
        raise KlaError(
            f"Jumlah bobot {total:g}, harus 1000. / "
            f"The weights add up to {total:g}; they must add up to 1000."
        )
    s.published, s.published_at, s.valid_from = True, timezone.now(), valid_from
    s.save(update_fields=["published", "published_at", "valid_from"])
    _audit(user, request, "kla_indicator_set", s.pk, version=s.version, published=True)
    return s


def draft_or_none() -> IndicatorSet | None:
    return indicator_set_draft()
