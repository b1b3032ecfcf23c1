"""Demo school request and online applications for the synthetic district, made through the
services (every step has its event, its audit entry and its checks).

Needs the reference data, the linked synthetic children with their flags, and the demo users
(demo/services.py `demo_users_create`). Idempotent: the demo applications carry applicant phone
numbers of a reserved range (DEMO_PHONE_PREFIX); when they exist a second call creates nothing.
"Done" students' registry rows are imported at once (not queued): the next linkage run and
flags recompute show them with their documents.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from satuanak.accounts.models import User
from satuanak.applications import states as s
from satuanak.applications.models import OnlineApplication, OnlineApplicationEvent, SchoolRequest
from satuanak.applications.services import (
    Decision,
    StudentPick,
    application_create,
    application_process,
    school_of,
    school_request_attach,
    school_request_create,
    school_request_submit,
    school_student_process,
    school_student_resubmit,
    school_students_lacking_documents,
)
from satuanak.regions.models import Desa

DEMO_PHONE_PREFIX = "0800000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (channel, child, sex, age in days at the reference date, mother, what, the officer's steps)
APPLICATIONS: tuple[tuple[str, str, str, int, str, tuple[str, ...], tuple[Decision, ...]], ...] = (
    ("web", "AURELIA PUTRI", "P", 40, "SITI RAHMAWATI", (s.AKTA, s.KIA), ()),
    ("whatsapp", "BIMA SAPUTRA", "L", 400, "YULIANA", (s.AKTA,), (Decision(s.IN_PROCESS),)),
    (
        "village_website",
        "CHINTYA LESTARI",
        "P",
        900,
        "MARIA GORETTI",
        (s.KIA,),
        (Decision(s.RETURNED, reason_code="missing_kk_copy", note="Foto KK buram, mohon kirim ulang."),),
    ),
    (
        "api",
        "DANIEL AKUI",
        "L",
        2000,
        "LINA SUSANTI",
        (s.AKTA,),
        (Decision(s.IN_PROCESS), Decision(s.DONE, akta_number="6107-LT-20122024-0101")),
    ),
    (
        "whatsapp",
        "ELISABET NOVI",
        "P",
        3000,
        "NOVITA SARI",
        (s.AKTA,),
        (Decision(s.REJECTED, reason_code="already_issued", note="Akta sudah terbit tahun 2019."),),
    ),
)


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF if name.endswith(".pdf") else PNG)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _summary(created: bool) -> dict[str, Any]:
    demo = OnlineApplication.objects.filter(applicant_phone__startswith=DEMO_PHONE_PREFIX)
    school = SchoolRequest.objects.filter(created_by__username="duta_sekolah")
    return {
        "created": created,
        "applications": demo.count(),
        "applications_by_state": {x: demo.filter(state=x).count() for x in s.STATES if x != s.DRAFT},
        "school_requests": school.count(),
        "school_students_by_state": {
            x: school.filter(students__state=x).count()
            for x in s.STATES
            if school.filter(students__state=x).exists()
        },
    }


@transaction.atomic
def applications_demo_load(*, reference_date: date) -> dict[str, Any]:
    """Create a collective request of duta_sekolah's school (students received, in process,
    returned, resubmitted and done, as many as the school has students without documents, up
    to five) and five online applications from the four channels in five states; idempotent.
    Returns counts."""
    if OnlineApplication.objects.filter(applicant_phone__startswith=DEMO_PHONE_PREFIX).exists():
        return _summary(created=False)
    users = {u.username: u for u in User.objects.filter(username__in=["duta_sekolah", "dukcapil"])}
    if len(users) < 2:
        raise ValueError(
            "Pengguna demo belum ada; jalankan demo_users_create. / "
            "Demo users missing; run demo_users_create first."
        )
    duta, officer = users["duta_sekolah"], users["dukcapil"]

    lacking = [row for row in school_students_lacking_documents(duta) if row.open_request is None][:5]
    if lacking and school_of(duta) is not None and not SchoolRequest.objects.filter(created_by=duta).exists():
        school_request = school_request_create(
            user=duta, picks=[StudentPick(r.child.pk, r.no_akta, r.no_kia) for r in lacking]
        )
        students = list(school_request.students.order_by("id"))
        for i, student in enumerate(students):
            kinds = list(s.missing_attachments(student.requested, []))
            if i == 2:  # the one Disdukcapil will return: the family card is missing
                kinds = [k for k in kinds if k != s.KK_COPY] or kinds
            for kind in kinds:
                school_request_attach(
                    user=duta, student_id=student.pk, kind=kind, files=[_file(f"{kind}.pdf")]
                )
        school_request_submit(user=duta, school_request_id=school_request.pk)
        plans: list[tuple[Decision, ...]] = [
            (),
            (Decision(s.IN_PROCESS),),
            (Decision(s.RETURNED, reason_code="missing_kk_copy", note="KK belum dilampirkan."),),
            (Decision(s.IN_PROCESS),),
            (Decision(s.REJECTED, reason_code="already_issued"),),
        ]
        for i, (student, steps) in enumerate(zip(students, plans, strict=False)):
            for step in steps:
                school_student_process(user=officer, student_id=student.pk, decision=step)
            if i == 3:
                numbers = Decision(
                    s.DONE,
                    akta_number=f"6107-LT-{reference_date:%d%m%Y}-{9000 + i:04d}"
                    if student.wants_akta
                    else "",
                    kia_number=f"6107-KIA-{reference_date:%Y}-{9000 + i:04d}" if student.wants_kia else "",
                )
                school_student_process(user=officer, student_id=student.pk, decision=numbers, enqueue=False)
        if len(students) > 2:
            returned = students[2]
            school_request_attach(user=duta, student_id=returned.pk, kind=s.KK_COPY, files=[_file("kk.png")])
            school_student_resubmit(user=duta, student_id=returned.pk, note="KK sudah dilampirkan.")

    desa = list(
        Desa.objects.order_by("code")[:: max(1, Desa.objects.count() // len(APPLICATIONS))][
            : len(APPLICATIONS)
        ]
    )
    for i, (channel, name, sex, age_days, mother, wanted, steps) in enumerate(APPLICATIONS):
        application = application_create(
            channel=channel,
            applicant_name=mother.title(),
            applicant_phone=f"{DEMO_PHONE_PREFIX}{i + 1:04d}",
            child_name=name,
            child_sex=sex,
            child_birth_date=reference_date - timedelta(days=age_days),
            mother_name=mother,
            desa_code=desa[i % len(desa)].code,
            requested=wanted,
            attachments=[
                (kind, _file(f"{kind}.jpg" if kind == s.PHOTO else f"{kind}.png"))
                for kind in s.missing_attachments(wanted, [])
            ],
        )
        for step in steps:
            application_process(user=officer, application_id=application.pk, decision=step, enqueue=False)
        # dated before the reference date, a day per step
        received = reference_date - timedelta(days=3 + 2 * i)
        OnlineApplication.objects.filter(pk=application.pk).update(
            created_at=_at(received, 9), updated_at=_at(received + timedelta(days=len(steps)), 10)
        )
        for n, event in enumerate(application.events.order_by("id")):
            OnlineApplicationEvent.objects.filter(pk=event.pk).update(
                at=_at(received + timedelta(days=n), 9 + n)
            )
    return _summary(created=True)
