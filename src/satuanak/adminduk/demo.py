"""Demo birth declarations ("3-in-1 di Ujung Wie") in every state, made through the services
(each step has its event, audit entry and checks).

Needs the reference data, the demo users (demo/services.py) and the synthetic district's SIAK
rows (the parents are real rows of the synthetic registry). Idempotent: the demo declarations
carry DEMO_TAG in their note; a second call finds them and creates nothing. Issued ones are
loaded into the registry with enqueue=True, as in production (the import task relinks and
recomputes the flags when the task worker runs).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import polars as pl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from satuanak.accounts.models import User
from satuanak.adminduk import states as s
from satuanak.adminduk.models import BirthDeclaration
from satuanak.adminduk.services import (
    DeclarationInput,
    declaration_create,
    declaration_issue,
    declaration_resubmit,
    declaration_transition,
)
from satuanak.imports.services import staged_records

DEMO_TAG = "[demo]"
_PDF = b"%PDF-1.4\n% demo scan\n"
# (baby name, sex, days before the reference date, the steps after submission: (state, days later, reasons))
_SCENARIOS: tuple[tuple[str, str, int, tuple[tuple[str, int, str], ...]], ...] = (
    ("Aurel Putri", "P", 2, ()),
    ("Gabriel Anugrah", "L", 9, ()),  # waiting past the service level: overdue
    ("Nayla Safitri", "P", 6, ((s.RETURNED, 1, "Buku nikah belum dilampirkan / marriage book missing"),)),
    ("Rafael Apui", "L", 4, ((s.VERIFIED, 1, ""),)),
    ("Maria Selvia", "P", 20, ((s.VERIFIED, 1, ""), (s.ISSUED, 2, ""))),
    (
        "Yohanes Bujang",
        "L",
        25,
        (
            (s.RETURNED, 1, "KTP ayah buram / father's ID unreadable"),
            (s.SUBMITTED, 3, "KTP ayah dipindai ulang"),
            (s.VERIFIED, 4, ""),
            (s.ISSUED, 5, ""),
        ),
    ),
    (
        "Siti Aisyah",
        "P",
        12,
        ((s.REJECTED, 2, "Kelahiran di luar Kabupaten Bengkayang / born outside the district"),),
    ),
)


def _couples(n: int, reference_date: date) -> list[dict[str, Any]]:
    rows = staged_records("siak")
    if rows is None:
        return []
    df = rows.collect()
    wives = df.filter(
        (pl.col("family_relation") == "ISTRI")
        & pl.col("nik").is_not_null()
        & pl.col("birth_date").is_between(
            date(reference_date.year - 38, 1, 1), date(reference_date.year - 20, 1, 1)
        )
    )
    heads = df.filter(pl.col("family_relation") == "KEPALA KELUARGA").select(
        "no_kk", pl.col("nik").alias("h_nik"), pl.col("name").alias("h_name")
    )
    joined = wives.join(heads, on="no_kk").filter(pl.col("h_nik").is_not_null()).sort("nik")
    return list(joined.head(n).iter_rows(named=True))


def _scan(kind: str) -> dict[str, list[Any]]:
    return {kind: [SimpleUploadedFile(f"{kind}.pdf", _PDF + kind.encode(), content_type="application/pdf")]}


def adminduk_demo_load(*, reference_date: date) -> dict[str, int]:
    """Create the demo declarations (once); counts per state."""
    existing = BirthDeclaration.objects.filter(note__contains=DEMO_TAG)
    if not existing.exists():
        operator = User.objects.get(username="bidan_rsud")
        officer = User.objects.get(username="dukcapil")
        couples = _couples(len(_SCENARIOS), reference_date)
        for (name, sex, days_ago, steps), couple in zip(_SCENARIOS, couples, strict=False):
            born = reference_date - timedelta(days=days_ago + 1)
            submitted = timezone.make_aware(
                datetime.combine(reference_date - timedelta(days=days_ago), time(9, 0))
            )
            data = DeclarationInput(
                baby_name=name,
                baby_sex=sex,
                birth_at=timezone.make_aware(datetime.combine(born, time(4, 30))),
                birth_place="Bengkayang",
                weight_g=3000 + 25 * days_ago,
                length_cm="49.0",
                mother_nik=couple["nik"],
                mother_name=couple["name"],
                father_nik=couple["h_nik"],
                father_name=couple["h_name"],
                note=f"{DEMO_TAG} data contoh / demo data",
            )
            files = _scan("birth_letter") | _scan("mother_id") | _scan("father_id")
            if not any(st == s.RETURNED for st, _d, _r in steps):
                files |= _scan("marriage_book")
            d = declaration_create(user=operator, data=data, attachments=files, at=submitted)
            for state, after, reasons in steps:
                at = submitted + timedelta(days=after, hours=2)
                if state == s.SUBMITTED:
                    declaration_resubmit(
                        user=operator, declaration=d, attachments=_scan("father_id"), note=reasons, at=at
                    )
                elif state == s.ISSUED:
                    declaration_issue(user=officer, declaration=d, enqueue=True, at=at)
                else:
                    declaration_transition(
                        user=officer, declaration=d, to_state=state, reasons=reasons, at=at
                    )
    counts = {state: 0 for state in s.STATES}
    for state in BirthDeclaration.objects.filter(note__contains=DEMO_TAG).values_list("state", flat=True):
        counts[state] += 1
    return counts
