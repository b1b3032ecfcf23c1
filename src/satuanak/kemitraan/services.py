"""Writes of satuanak.kemitraan: IKM survey answers, baselines, APSAI members, commitments and
deliveries, programme funding entries.

Every function checks its input and raises KemitraanError ("Bahasa Indonesia / English") before
anything is saved; staff writes are audited (RECORD_CHANGED). A survey answer is anonymous: it
stores neither a user nor the client's address (the view throttles by address in the cache).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.core.periods import quarter_bounds
from satuanak.facilities.models import HealthFacility
from satuanak.kemitraan import ikm
from satuanak.kemitraan.models import (
    Commitment,
    Company,
    Delivery,
    FundingEntry,
    IkmBaseline,
    IkmResponse,
    ServicePoint,
)

QUESTION_SET_FILE = "kemitraan/ikm_v1.json"
LISTS_FILE = "kemitraan/lists_v1.json"
RESERVED_POINT_CODES = frozenset({"hasil"})  # "ikm/hasil/" is the results page, not a point


class KemitraanError(ValueError):
    """Bad input; the message is "Bahasa Indonesia / English" and safe to show."""


def _data_dir() -> Path:
    return Path(settings.SATUANAK_DATA_DIR)


@cache
def question_set() -> ikm.QuestionSet:
    return ikm.question_set_load(_data_dir() / QUESTION_SET_FILE)


@dataclass(frozen=True)
class Choice:
    code: str
    label_id: str
    label_en: str
    report_programmes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lists:
    sources: tuple[Choice, ...]
    programmes: tuple[Choice, ...]
    service_points: tuple[dict[str, str], ...]
    puskesmas_prefix: str

    def source_codes(self) -> list[str]:
        return [c.code for c in self.sources]

    def programme_codes(self) -> list[str]:
        return [c.code for c in self.programmes]


@cache
def lists() -> Lists:
    raw = json.loads((_data_dir() / LISTS_FILE).read_text(encoding="utf-8"))
    return Lists(
        sources=tuple(Choice(c["code"], c["id"], c["en"]) for c in raw["funding_sources"]),
        programmes=tuple(
            Choice(c["code"], c["id"], c["en"], tuple(c.get("report_programmes", [])))
            for c in raw["programmes"]
        ),
        service_points=tuple(raw["service_points"]),
        puskesmas_prefix=raw["service_point_puskesmas_prefix"],
    )


# --- text checks -----------------------------------------------------------------------------


def _text(value: Any, *, label: str, max_len: int, required: bool = True) -> str:
    """Trimmed text; refused when required and empty, or too long. Markup is kept as typed:
    templates escape it, so `<script>` shows as text and never runs."""
    text = str(value or "").strip()
    if required and not text:
        raise KemitraanError(f"{label} wajib diisi. / {label} is required.")
    if len(text) > max_len:
        raise KemitraanError(
            f"{label} terlalu panjang (maks. {max_len} karakter). / {label} is too long (max {max_len})."
        )
    if "\x00" in text:
        raise KemitraanError(f"{label} berisi karakter tidak sah. / {label} has invalid characters.")
    return text


def _positive_int(value: Any, *, label: str, allow_zero: bool = False) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise KemitraanError(f"{label} harus bilangan bulat. / {label} must be a whole number.") from None
    if number < 0 or (number == 0 and not allow_zero) or number > 10**9:
        raise KemitraanError(f"{label} harus lebih dari 0. / {label} must be more than 0.")
    return number


def _year(value: Any) -> int:
    year = _positive_int(value, label="Tahun")
    if not 2000 <= year <= 2100:
        raise KemitraanError("Tahun tidak sah. / Invalid year.")
    return year


def _date(value: Any, *, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise KemitraanError(
            f"{label} tidak sah (TTTT-BB-HH). / {label} is not a date (YYYY-MM-DD)."
        ) from None


def _changed(by: Any, subject_type: str, subject_id: int, **detail: Any) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=by,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


# --- IKM ---------------------------------------------------------------------------------------


def ikm_service_points_sync() -> int:
    """The points in data/kemitraan/lists_v1.json plus one per puskesmas; the number created.
    Idempotent: existing points keep their code and answers."""
    created = 0
    for p in lists().service_points:
        _, made = ServicePoint.objects.get_or_create(
            code=p["code"], defaults={"name": p["name"], "kind": p["kind"]}
        )
        created += made
    prefix = lists().puskesmas_prefix
    for f in HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS):
        _, made = ServicePoint.objects.get_or_create(
            facility=f,
            defaults={
                "code": f"{prefix}{f.code}".lower()[:40],
                "name": f.name,
                "kind": ServicePoint.Kind.PUSKESMAS,
            },
        )
        created += made
    return created


def ikm_response_record(
    *, point: ServicePoint, answers: dict[str, Any], comment: str = "", answered_on: date | None = None
) -> IkmResponse:
    """One anonymous answer sheet; raises KemitraanError for missing or out-of-range answers."""
    qs = question_set()
    if not point.active:
        raise KemitraanError("Titik layanan ini tidak aktif. / This service point is not active.")
    try:
        clean = ikm.answers_check(qs, answers)
    except ikm.AnswerError as e:
        raise KemitraanError(str(e)) from None
    text = _text(comment, label="Saran", max_len=qs.comment_max_chars, required=False)
    return IkmResponse.objects.create(
        point=point,
        questionnaire=qs.version,
        answers=clean,
        comment=text,
        answered_on=answered_on or clock.today(),
    )


def ikm_baseline_set(*, point: ServicePoint, period: str, by: Any) -> IkmBaseline:
    """Store the point's baseline quarter and its score then; the target is +uplift% of it."""
    from satuanak.kemitraan.selectors import ikm_result_for

    qs = question_set()
    try:
        quarter_bounds(period)
    except ValueError:
        raise KemitraanError("Triwulan tidak sah (contoh 2024Q3). / Invalid quarter (e.g. 2024Q3).") from None
    result = ikm_result_for(point=point, period=period)
    if result is None or not result.enough:
        raise KemitraanError(
            f"Responden triwulan {period} kurang dari {qs.min_respondents}: belum bisa jadi dasar. / "
            f"Fewer than {qs.min_respondents} respondents in {period}: cannot be the baseline."
        )
    baseline, _ = IkmBaseline.objects.update_or_create(
        point=point,
        defaults={
            "period": period.strip().upper(),
            "score": result.score,
            "respondents": result.respondents,
            "uplift_pct": qs.uplift_pct,
            "set_by": by,
            "set_at": timezone.now(),
        },
    )
    _changed(
        by, "ikm_baseline", baseline.pk, point=point.code, period=baseline.period, score=str(baseline.score)
    )
    return baseline


# --- APSAI ---------------------------------------------------------------------------------------


def company_create(*, name: str, sector: str, joined_on: Any, contact_person: str, by: Any) -> Company:
    name = _text(name, label="Nama perusahaan", max_len=150)
    if Company.objects.filter(name__iexact=name).exists():
        raise KemitraanError("Perusahaan ini sudah terdaftar. / This company is already a member.")
    company = Company.objects.create(
        name=name,
        sector=_text(sector, label="Sektor", max_len=100),
        joined_on=_date(joined_on, label="Tanggal bergabung"),
        contact_person=_text(contact_person, label="Narahubung", max_len=100),
        created_by=by,
    )
    _changed(by, "apsai_company", company.pk)
    return company


def commitment_create(
    *, company: Company, kind: str, quantity: Any, year: Any, programme: str, description: str = "", by: Any
) -> Commitment:
    if kind not in Commitment.Kind.values:
        raise KemitraanError("Jenis komitmen tidak dikenal. / Unknown commitment kind.")
    if programme not in lists().programme_codes():
        raise KemitraanError("Program tidak dikenal. / Unknown programme.")
    commitment = Commitment.objects.create(
        company=company,
        kind=kind,
        quantity=_positive_int(quantity, label="Jumlah"),
        year=_year(year),
        programme=programme,
        description=_text(description, label="Uraian", max_len=200, required=False),
        created_by=by,
    )
    _changed(by, "apsai_commitment", commitment.pk, company=company.pk)
    return commitment


def delivery_record(
    *,
    commitment: Commitment,
    description: str,
    delivered_on: Any,
    quantity: Any,
    evidence_note: str = "",
    by: Any,
) -> Delivery:
    delivery = Delivery.objects.create(
        commitment=commitment,
        description=_text(description, label="Yang diserahkan", max_len=200),
        delivered_on=_date(delivered_on, label="Tanggal"),
        quantity=_positive_int(quantity, label="Jumlah"),
        evidence_note=_text(evidence_note, label="Bukti", max_len=300, required=False),
        entered_by=by,
    )
    _changed(by, "apsai_delivery", delivery.pk, commitment=commitment.pk)
    return delivery


# --- funding -----------------------------------------------------------------------------------


@transaction.atomic
def funding_entry_record(
    *,
    programme: str,
    source: str,
    year: Any,
    kind: str,
    amount: Any,
    entry_date: Any,
    note: str = "",
    by: Any,
) -> FundingEntry:
    """One planned or spent amount (integer rupiah, >= 0)."""
    if programme not in lists().programme_codes():
        raise KemitraanError("Program tidak dikenal. / Unknown programme.")
    if source not in lists().source_codes():
        raise KemitraanError("Sumber dana tidak dikenal. / Unknown funding source.")
    if kind not in FundingEntry.Kind.values:
        raise KemitraanError("Pilih rencana atau realisasi. / Choose planned or spent.")
    if isinstance(amount, int) and not isinstance(amount, bool):
        value = amount
        if value < 0:
            raise KemitraanError("Jumlah tidak boleh negatif. / The amount cannot be negative.")
    else:
        try:
            value = ikm.rupiah_parse(str(amount or ""))
        except ValueError:
            raise KemitraanError(
                "Jumlah harus rupiah bulat, tidak negatif (contoh 1500000). / "
                "The amount must be whole rupiah, not negative (e.g. 1500000)."
            ) from None
    entry = FundingEntry.objects.create(
        programme=programme,
        source=source,
        year=_year(year),
        kind=kind,
        amount=value,
        entry_date=_date(entry_date, label="Tanggal"),
        note=_text(note, label="Catatan", max_len=300, required=False),
        entered_by=by,
    )
    _changed(by, "funding_entry", entry.pk, programme=programme, source=source, kind=kind, amount=value)
    return entry
