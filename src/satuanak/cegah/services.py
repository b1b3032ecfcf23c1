"""Writes of CEGAH DINI: record a Bimwin or MPLS session; load the KUA list.

`prevention_session_record` checks the role, validates everything before it writes, runs in one
transaction and writes an audit entry. Bad input raises CegahError ("Bahasa Indonesia / English")
and saves nothing. `today` defaults to Bengkayang's date; the demo passes its reference date.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import AccessDenied
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.cegah.coverage import school_year_of
from satuanak.cegah.models import Kua, Session
from satuanak.cegah.selectors import MPLS_LEVELS
from satuanak.common import clock
from satuanak.facilities.models import School
from satuanak.regions.models import Kecamatan

# CEGAH DINI's MoU was signed in 2024 (seed, roadmap 2024 Q3-Q4); 2020 leaves room for the
# sessions the partners held before it, and refuses mistyped years.
EARLIEST_SESSION = date(2020, 1, 1)
MAX_PARTICIPANTS = 5000  # per sex and session: a KUA or an SMP never holds this many at once
MAX_TEXT = 4000


class CegahError(ValueError):
    """Bad input for a CEGAH DINI action; the message is "Bahasa Indonesia / English"."""


def _require(user: Any) -> None:
    role = getattr(user, "role", "")
    if not getattr(user, "is_authenticated", False) or not role_can(
        role, Capability.RECORD_PREVENTION_SESSIONS
    ):
        raise AccessDenied("Peran Anda tidak berhak / your role may not do this")


def _participants(value: Any, label_id: str, label_en: str) -> int:
    try:
        n = int(str(value).strip() or "0")
    except ValueError as exc:
        raise CegahError(
            f"Jumlah peserta {label_id} harus bilangan bulat. / "
            f"The number of {label_en} participants must be a whole number."
        ) from exc
    if n < 0:
        raise CegahError(
            f"Jumlah peserta {label_id} negatif. / The number of {label_en} participants is negative."
        )
    if n >= MAX_PARTICIPANTS:
        raise CegahError(
            f"Jumlah peserta {label_id} harus kurang dari {MAX_PARTICIPANTS}. / "
            f"The number of {label_en} participants must be below {MAX_PARTICIPANTS}."
        )
    return n


def _venue(kind: str, venue_id: int) -> tuple[Kua | None, School | None]:
    """The KUA of a Bimwin or the SMP/MTs of an MPLS; CegahError if it is the other kind."""
    if kind == Session.Kind.BIMWIN:
        kua = Kua.objects.filter(pk=venue_id).first()
        if kua is None:
            raise CegahError(
                "Bimwin diadakan di KUA: pilih salah satu KUA. / A Bimwin is held at a KUA: choose a KUA."
            )
        return kua, None
    school = School.objects.filter(pk=venue_id).first()
    if school is None or school.level not in MPLS_LEVELS:
        raise CegahError(
            "MPLS CEGAH DINI diadakan di SMP/MTs: pilih salah satu SMP/MTs. / "
            "A CEGAH DINI MPLS is held at a junior secondary school (SMP/MTs): choose one."
        )
    return None, school


def prevention_session_record(
    *,
    user: Any,
    kind: str,
    date: date,
    venue_kind: str,
    venue_id: int,
    health_module: bool,
    participants_female: Any,
    participants_male: Any,
    facilitators: str = "",
    notes: str = "",
    today: date | None = None,
    request: Any = None,
) -> Session:
    """Record one Bimwin (at a KUA) or MPLS (at an SMP/MTs) session. `venue_kind` is "kua" or
    "school": the form offers both lists, and a venue of the other kind is refused here rather
    than silently reinterpreted."""
    _require(user)
    today = today or clock.today()
    kind = (kind or "").strip()
    if kind not in Session.Kind.values:
        raise CegahError(
            "Jenis sesi tidak dikenal (Bimwin atau MPLS). / Unknown session kind (Bimwin or MPLS)."
        )
    if not EARLIEST_SESSION <= date <= today:
        raise CegahError(
            f"Tanggal harus antara {EARLIEST_SESSION:%d-%m-%Y} dan hari ini. / "
            f"The date must be between {EARLIEST_SESSION:%d-%m-%Y} and today."
        )
    expected = "kua" if kind == Session.Kind.BIMWIN else "school"
    if venue_kind != expected:
        raise CegahError(
            "Tempat tidak sesuai jenis sesi: Bimwin di KUA, MPLS di SMP/MTs. / "
            "The venue does not match the kind: Bimwin at a KUA, MPLS at an SMP/MTs."
        )
    kua, school = _venue(kind, venue_id)
    female = _participants(participants_female, "perempuan", "female")
    male = _participants(participants_male, "laki-laki", "male")
    if female + male == 0:
        raise CegahError("Isi jumlah peserta. / Enter the number of participants.")
    facilitators, notes = facilitators.strip(), notes.strip()
    if len(facilitators) > MAX_TEXT or len(notes) > MAX_TEXT:
        raise CegahError(
            f"Narasumber dan catatan paling banyak {MAX_TEXT} huruf. / "
            f"Facilitators and notes take at most {MAX_TEXT} characters."
        )
    with transaction.atomic():
        session = Session.objects.create(
            kind=kind,
            date=date,
            kua=kua,
            school=school,
            school_year=school_year_of(date),
            health_module=health_module,
            participants_female=female,
            participants_male=male,
            facilitators=facilitators,
            notes=notes,
            recorded_by=user,
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="cegah_session",
            subject_id=session.pk,
            detail={"recorded": kind, "date": date.isoformat(), "venue": session.venue_name},
        )
    return session


@dataclass(frozen=True)
class KuaLoadResult:
    created: int
    updated: int


def cegah_kua_load(*, path: Path | None = None) -> KuaLoadResult:
    """Create or update the KUA from data/cegah/kua.csv (matched on `code`); idempotent. Needs the
    kecamatan loaded. A row naming an unknown kecamatan stops the load before anything is saved."""
    path = path or Path(settings.SATUANAK_DATA_DIR) / "cegah" / "kua.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    kecamatan = {k.code: k for k in Kecamatan.objects.all()}
    unknown = sorted({r["kecamatan_code"] for r in rows} - set(kecamatan))
    if unknown:
        raise CegahError(
            f"KUA: kecamatan tidak dikenal {', '.join(unknown)}. / "
            f"KUA: unknown kecamatan {', '.join(unknown)}."
        )
    created = updated = 0
    with transaction.atomic():
        for r in rows:
            _kua, was_created = Kua.objects.update_or_create(
                code=r["code"].strip(),
                defaults={
                    "name": r["name"].strip(),
                    "kecamatan": kecamatan[r["kecamatan_code"]],
                    "is_verified": r.get("status", "").strip() == "verified",
                },
            )
            created += was_created
            updated += not was_created
    return KuaLoadResult(created=created, updated=updated)
