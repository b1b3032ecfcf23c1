"""The demo's PRAP picture, made through the services (every step has its event, its audit entry
and its checks): Sungai Duri and Samalantan certified in 2024, as the seed report says, and
the other puskesmas at various stages.

Needs the reference data and the demo users (demo/services.py `demo_users_create`). The demo
user `pkm_sungai_duri` acts for Sungai Duri; the other puskesmas act through one inactive
account each (`prap_<puskesmas>`, no usable password: stand-ins for the puskesmas's own PRAP
officer, who would have a login of their own). Evidence files are small PNG and PDF files made
here. Idempotent: a puskesmas that already has an assessment is left alone, and surveys are
added only when none exist.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify
from fpdf import FPDF
from PIL import Image, ImageDraw

from satuanak.accounts.models import Agency
from satuanak.accounts.roles import Role
from satuanak.facilities.models import HealthFacility
from satuanak.prap import states as s
from satuanak.prap.models import VOICE_QUESTIONS, Assessment, AssessmentItem, VoiceSurvey
from satuanak.prap.services import (
    prap_assessment_certify,
    prap_assessment_return,
    prap_assessment_start,
    prap_assessment_submit,
    prap_item_answer,
    prap_item_reply,
    prap_item_review,
    prap_standard_load,
    prap_voice_record,
)


@dataclass
class _Upload:
    """A file as a browser would hand it over."""

    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, size: int = -1, /) -> bytes:
        return self.data if size < 0 else self.data[:size]


def demo_png(label: str, colour: tuple[int, int, int] = (15, 92, 122)) -> bytes:
    """A small photo stand-in: a coloured card with a label."""
    img = Image.new("RGB", (320, 200), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 309, 189), outline=(255, 255, 255), width=3)
    draw.text((24, 90), label[:40], fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def demo_pdf(title: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.multi_cell(0, 8, title.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Dokumen contoh untuk demo (data sintetis). / Sample document for the demo.")
    return bytes(pdf.output())


def _evidence_for(code: str, facility: HealthFacility) -> list[_Upload]:
    slug = slugify(facility.name.removeprefix("Puskesmas "))
    if code.startswith(("FAS", "LIN", "PAR")):
        return [_Upload(f"foto-{code.lower()}-{slug}.png", demo_png(f"{code} {facility.name}"))]
    return [_Upload(f"{code.lower()}-{slug}.pdf", demo_pdf(f"{code} - {facility.name}"))]


def _staff_for(facility: HealthFacility) -> Any:
    """The puskesmas's own user: the demo login for Sungai Duri, an inactive stand-in otherwise."""
    user_model = get_user_model()
    agency = Agency.objects.filter(health_facility=facility).order_by("code").first()
    existing = user_model.objects.filter(agency=agency, role=Role.PUSKESMAS_STAFF).order_by("id").first()
    if existing is not None:
        return existing
    username = "prap_" + slugify(facility.name.removeprefix("Puskesmas ")).replace("-", "_")
    user, created = user_model.objects.get_or_create(
        username=username[:150],
        defaults={
            "role": Role.PUSKESMAS_STAFF,
            "agency": agency,
            "area_level": "desa",
            "is_active": False,
            "first_name": "Petugas PRAP",
            "last_name": facility.name,
        },
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.area_desa.set(facility.service_area.all())
    return user


def _answer_all(
    staff: Any, assessment: Assessment, *, upto: int | None = None, no: tuple[str, ...] = ()
) -> None:
    items = list(assessment.items.select_related("item").order_by("item__component__order", "item__order"))
    for n, item in enumerate(items[:upto] if upto is not None else items):
        code = item.item.code
        prap_item_answer(
            user=staff,
            assessment_item_id=item.pk,
            answer=s.NO if code in no else s.YES,
            note="" if code in no else "Sudah tersedia / in place",
            files=_evidence_for(code, assessment.facility) if item.item.required and n % 2 == 0 else (),
        )


def _review(reviewer: Any, assessment: Assessment, verdicts: dict[str, tuple[str, str]]) -> None:
    for item in assessment.items.select_related("item"):
        verdict, comment = verdicts.get(item.item.code, (s.MET, ""))
        prap_item_review(user=reviewer, assessment_item_id=item.pk, verdict=verdict, comment=comment)


# (puskesmas, stage, details)
CERTIFIED_ON = {"Puskesmas Sungai Duri": date(2024, 8, 15), "Puskesmas Samalantan": date(2024, 10, 10)}
STAGES: list[tuple[str, str]] = [
    ("Puskesmas Sungai Duri", "certified"),
    ("Puskesmas Samalantan", "certified"),
    ("Puskesmas Bengkayang", "submitted"),
    ("Puskesmas Ledo", "returned"),
    ("Puskesmas Sanggau Ledo", "draft_most"),
    ("Puskesmas Seluas", "draft_some"),
    ("Puskesmas Monterado", "draft_some"),
    ("Puskesmas Teriak", "draft_started"),
]
VOICE_FACILITIES = ("Puskesmas Sungai Duri", "Puskesmas Samalantan", "Puskesmas Bengkayang", "Puskesmas Ledo")


@transaction.atomic
def prap_demo_load(*, reference_date: date) -> dict[str, Any]:
    user_model = get_user_model()
    prap_standard_load()
    reviewer = user_model.objects.get(username="dinkes")
    counts: dict[str, Any] = {"certified": 0, "submitted": 0, "returned": 0, "draft": 0, "surveys": 0}
    for name, stage in STAGES:
        facility = HealthFacility.objects.filter(name=name, kind=HealthFacility.Kind.PUSKESMAS).first()
        if facility is None or Assessment.objects.filter(facility=facility).exists():
            continue
        staff = _staff_for(facility)
        assessment = prap_assessment_start(user=staff, facility_id=facility.pk)
        if stage.startswith("draft"):
            upto = {"draft_most": 12, "draft_some": 6, "draft_started": 2}[stage]
            _answer_all(staff, assessment, upto=upto, no=("FAS-4",))
            counts["draft"] += 1
            continue
        _answer_all(staff, assessment)
        prap_assessment_submit(user=staff, assessment_id=assessment.pk)
        if stage == "submitted":
            counts["submitted"] += 1
            continue
        if stage == "returned":
            _review(
                reviewer,
                assessment,
                {
                    "SDM-1": (
                        s.MORE_EVIDENCE,
                        "Baru 1 sertifikat KHA terlampir; perlu 2. / Only 1 CRC certificate.",
                    ),
                    "FAS-4": (s.NOT_MET, "Ramp terlalu curam, belum ada pegangan. / The ramp is too steep."),
                },
            )
            prap_assessment_return(user=reviewer, assessment_id=assessment.pk)
            counts["returned"] += 1
            continue
        # certified: one round trip first, as it happened
        _review(reviewer, assessment, {"FAS-2": (s.MORE_EVIDENCE, "Foto ruang tunggu umum belum ada.")})
        prap_assessment_return(user=reviewer, assessment_id=assessment.pk)
        item = assessment.items.get(item__code="FAS-2")
        prap_item_reply(
            user=staff,
            assessment_item_id=item.pk,
            reply="Foto ruang tunggu umum ditambahkan. / Photo of the general waiting room added.",
            files=[_Upload("ruang-tunggu-umum.png", demo_png("Ruang tunggu umum", (110, 76, 42)))],
        )
        prap_assessment_submit(user=staff, assessment_id=assessment.pk)
        _review(reviewer, assessment, {})
        prap_assessment_certify(user=reviewer, assessment_id=assessment.pk, on=CERTIFIED_ON[name])
        counts["certified"] += 1
    publik = user_model.objects.get(username="publik")
    if not VoiceSurvey.objects.exists():
        rng = random.Random(2024)  # nosec B311 - synthetic demo answers, not security
        for name in VOICE_FACILITIES:
            facility = HealthFacility.objects.get(name=name)
            good = name in CERTIFIED_ON
            for n in range(4 if good else 3):
                base = 4 if good else 3
                prap_voice_record(
                    user=publik,
                    facility_id=facility.pk,
                    scores={
                        f: min(5, max(1, base + rng.choice((-1, 0, 0, 1)))) for f, _, _ in VOICE_QUESTIONS
                    },
                    age_group=rng.choice(VoiceSurvey.AgeGroup.values),
                    comment=("Ada tempat bermain, senang!" if good else "Ruang tunggunya ramai.")
                    if n == 0
                    else "",
                    on=reference_date - timedelta(days=7 * n + 3),
                )
                counts["surveys"] += 1
    counts["items_met"] = AssessmentItem.objects.filter(verdict=s.MET).count()
    return counts
