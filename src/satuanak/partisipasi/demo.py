"""Demo data of issue 14 parts 1 and 4: Forum Anak 2P reports and Musrenbang proposals.

About 20 reports written by the demo user "publik" (a Forum Anak member) in desa of kecamatan
61.07.01 and 61.07.02 over 2024 Q3–Q4, in every status, handled by the demo agencies'
users ("dinkes", "disdikbud", "ppa", "dukcapil", "bappeda"); some are linked to children of
the desa (Child rows exist once the demo's linkage has run; without them the links are
skipped). Ten Forum Anak proposals follow the Musrenbang rounds from desa to kabupaten.

Everything goes through the services (so the routing table, the transitions table and the
audit log apply) with timestamps in the past. Each row has a `demo_key`: loading twice adds
nothing. Steps dated after `reference_date` are not taken (the report waits, as it would).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from satuanak.accounts.models import User
from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Proposal, Report
from satuanak.partisipasi.services import (
    proposal_outcome_record,
    proposal_record,
    report_act,
    report_link_child,
    report_submit,
)
from satuanak.persons.models import Child
from satuanak.regions.models import Desa

KECAMATAN_CODES = ("61.07.01", "61.07.02")
HANDLERS = {
    "health_officer": "dinkes",
    "education_officer": "disdikbud",
    "protection_officer": "ppa",
    "civil_registry_officer": "dukcapil",
    "planner": "bappeda",
}


@dataclass(frozen=True)
class Step:
    action: str
    after_days: float  # since submission
    reason: str = ""
    answer: str = ""
    to_agency: str = ""


@dataclass(frozen=True)
class Scenario:
    key: str
    report_type: str
    kecamatan: int  # index into KECAMATAN_CODES
    desa: int  # index into the kecamatan's desa, by code
    submitted: date
    description: str
    steps: tuple[Step, ...] = ()
    link: bool = False
    child_name: str = ""
    child_age: int | None = None


def _answered(days: float, text: str) -> tuple[Step, ...]:
    return (Step(s.ACCEPT, 1), Step(s.ANSWER, days, answer=text))


def _closed(days: float, text: str) -> tuple[Step, ...]:
    return (*_answered(days, text), Step(s.CLOSE, days + 3))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "2p-01",
        s.MALNOURISHED,
        0,
        0,
        date(2024, 7, 8),
        "Balita di dekat posyandu tampak sangat kurus.",
        _closed(6, "Bidan desa berkunjung; anak dirujuk ke puskesmas dan mendapat PMT."),
        link=True,
        child_age=2,
    ),
    Scenario(
        "2p-02",
        s.NOT_IN_SCHOOL,
        0,
        1,
        date(2024, 7, 15),
        "Anak usia SD ikut orang tua ke ladang, tidak sekolah.",
        _closed(10, "Sekolah dan pemerintah desa menemui keluarga; anak kembali ke kelas 4."),
        link=True,
        child_age=10,
    ),
    Scenario(
        "2p-03",
        s.CHILD_MARRIAGE,
        1,
        0,
        date(2024, 7, 22),
        "Ada rencana menikahkan anak perempuan 16 tahun.",
        _closed(5, "Petugas PPA dan KUA berbicara dengan keluarga; rencana dibatalkan."),
        child_age=16,
    ),
    Scenario(
        "2p-04",
        s.NO_BIRTH_CERTIFICATE,
        1,
        1,
        date(2024, 8, 5),
        "Tiga anak tetangga belum punya akta.",
        _closed(12, "Jempol Adminduk datang ke desa; akta sudah terbit."),
        link=True,
    ),
    Scenario(
        "2p-05",
        s.VIOLENCE,
        0,
        2,
        date(2024, 8, 12),
        "Anak sering dipukul oleh orang dewasa di rumahnya.",
        _closed(3, "UPTD PPA sudah menangani; anak dalam pendampingan."),
        link=True,
        child_age=8,
    ),
    Scenario(
        "2p-06",
        s.UNFRIENDLY_FACILITY,
        1,
        2,
        date(2024, 8, 19),
        "Taman desa penuh pecahan kaca.",
        _closed(20, "Dinas terkait membersihkan taman; usulan RBRA masuk Musrenbang."),
    ),
    Scenario(
        "2p-07",
        s.OTHER,
        0,
        3,
        date(2024, 9, 2),
        "Anak-anak tidak bisa menyeberang jalan dengan aman ke sekolah.",
        (
            Step(s.REROUTE, 2, reason="Urusan keselamatan jalan sekolah.", to_agency="disdikbud"),
            Step(s.ACCEPT, 3),
            Step(s.ANSWER, 16, answer="Sekolah memasang petugas penyeberangan pagi hari."),
        ),
    ),
    Scenario(
        "2p-08",
        s.MALNOURISHED,
        1,
        3,
        date(2024, 9, 9),
        "Bayi tetangga jarang ditimbang dan kurus.",
        (Step(s.MARK_DUPLICATE, 1, reason="Sudah dilaporkan dan sedang ditangani puskesmas."),),
    ),
    Scenario(
        "2p-09",
        s.NOT_IN_SCHOOL,
        1,
        4,
        date(2024, 9, 16),
        "Anak putus sekolah bekerja di bengkel.",
        _answered(13, "Anak ikut program kejar paket; keluarga didampingi."),
        child_age=15,
    ),
    Scenario(
        "2p-10",
        s.MALNOURISHED,
        0,
        4,
        date(2024, 9, 23),
        "Dua balita di RT 2 tampak kurang gizi.",
        _answered(9, "Kader menimbang; satu anak masuk GESIT BAAS."),
        link=True,
    ),
    Scenario(
        "2p-11",
        s.NO_BIRTH_CERTIFICATE,
        0,
        0,
        date(2024, 10, 2),
        "Bayi lahir di rumah belum diurus aktanya.",
        _answered(18, "Petugas Disdukcapil menerbitkan akta dan KIA."),
    ),
    Scenario(
        "2p-12",
        s.VIOLENCE,
        1,
        0,
        date(2024, 10, 9),
        "Anak ditinggal sendirian berhari-hari.",
        (Step(s.ACCEPT, 0.5),),
        link=True,
        child_age=6,
    ),
    Scenario(
        "2p-13",
        s.CHILD_MARRIAGE,
        0,
        1,
        date(2024, 10, 16),
        "Anak kelas 9 akan dinikahkan setelah panen.",
        (Step(s.ACCEPT, 1),),
        child_age=15,
    ),
    Scenario(
        "2p-14",
        s.UNFRIENDLY_FACILITY,
        0,
        2,
        date(2024, 10, 23),
        "Puskesmas pembantu tanpa ruang tunggu anak.",
        (Step(s.REROUTE, 4, reason="Fasilitas kesehatan: Dinkes.", to_agency="dinkes"),),
    ),
    Scenario(
        "2p-15",
        s.NOT_IN_SCHOOL,
        1,
        1,
        date(2024, 11, 4),
        "Anak disabilitas tidak diterima di sekolah.",
        (Step(s.ACCEPT, 2),),
    ),
    Scenario(
        "2p-16",
        s.OTHER,
        1,
        2,
        date(2024, 11, 11),
        "Warung menjual rokok kepada anak SMP.",
        (Step(s.MARK_DUPLICATE, 2, reason="Sudah dibahas Gugus Tugas KLA bulan ini."),),
    ),
    Scenario(
        "2p-17", s.MALNOURISHED, 0, 3, date(2024, 11, 25), "Anak di ujung kampung tampak lemah dan kurus."
    ),
    Scenario(
        "2p-18", s.NO_BIRTH_CERTIFICATE, 1, 3, date(2024, 12, 2), "Keluarga pindahan, anak belum tercatat."
    ),
    Scenario("2p-19", s.VIOLENCE, 0, 4, date(2024, 12, 9), "Terdengar anak dimarahi dan dipukul tiap malam."),
    Scenario("2p-20", s.CHILD_MARRIAGE, 1, 4, date(2024, 12, 16), "Rencana pernikahan siswi SMP."),
)


@dataclass(frozen=True)
class Round:
    level: str
    outcome: str
    on: date
    reason: str = ""
    amount: int | None = None


@dataclass(frozen=True)
class ProposalScenario:
    key: str
    year: int
    entry_level: str
    kecamatan: int
    desa: int
    title: str
    sector: str
    rounds: tuple[Round, ...] = field(default_factory=tuple)


_D, _K, _B = date(2024, 1, 25), date(2024, 2, 20), date(2024, 3, 21)
PROPOSALS: tuple[ProposalScenario, ...] = (
    ProposalScenario(
        "mr-01",
        2024,
        s.DESA,
        0,
        0,
        "Ruang Bermain Ramah Anak di balai desa",
        "play_culture",
        (
            Round(s.DESA, s.FORWARDED, _D),
            Round(s.KECAMATAN, s.FORWARDED, _K),
            Round(s.KABUPATEN, s.FUNDED, _B, amount=150_000_000),
        ),
    ),
    ProposalScenario(
        "mr-02",
        2024,
        s.DESA,
        0,
        1,
        "Lampu penerangan jalan ke sekolah",
        "environment",
        (Round(s.DESA, s.ACCEPTED_INTO_PLAN, _D),),
    ),
    ProposalScenario(
        "mr-03",
        2024,
        s.DESA,
        1,
        0,
        "Pojok baca anak di posyandu",
        "education",
        (Round(s.DESA, s.FORWARDED, _D), Round(s.KECAMATAN, s.ACCEPTED_INTO_PLAN, _K)),
    ),
    ProposalScenario(
        "mr-04",
        2024,
        s.DESA,
        1,
        1,
        "Lapangan futsal anak",
        "play_culture",
        (Round(s.DESA, s.REJECTED, _D, reason="Lahan desa belum tersedia; diusulkan lagi 2025."),),
    ),
    ProposalScenario(
        "mr-05",
        2024,
        s.KECAMATAN,
        0,
        0,
        "Pelatihan konselor sebaya PKPR",
        "health",
        (Round(s.KECAMATAN, s.FORWARDED, _K), Round(s.KABUPATEN, s.ACCEPTED_INTO_PLAN, _B)),
    ),
    ProposalScenario(
        "mr-06",
        2024,
        s.KECAMATAN,
        1,
        0,
        "Layanan akta keliling ke sekolah",
        "civil_rights",
        (
            Round(s.KECAMATAN, s.FORWARDED, _K),
            Round(s.KABUPATEN, s.REJECTED, _B, reason="Sudah tercakup program Jempol Adminduk."),
        ),
    ),
    ProposalScenario(
        "mr-07",
        2024,
        s.KABUPATEN,
        0,
        0,
        "Sosialisasi pencegahan perkawinan anak",
        "protection",
        (Round(s.KABUPATEN, s.FUNDED, _B, amount=75_000_000),),
    ),
    ProposalScenario(
        "mr-08",
        2024,
        s.DESA,
        0,
        2,
        "Air bersih di SD negeri",
        "environment",
        (Round(s.DESA, s.FORWARDED, _D), Round(s.KECAMATAN, s.FORWARDED, _K)),
    ),
    ProposalScenario(
        "mr-09",
        2025,
        s.DESA,
        1,
        1,
        "Lapangan futsal anak (usulan ulang)",
        "play_culture",
        (Round(s.DESA, s.FORWARDED, date(2025, 1, 23)),),
    ),
    ProposalScenario("mr-10", 2025, s.DESA, 0, 3, "Kelas parenting untuk orang tua muda", "protection"),
)


def _at(day: date, days: float = 0) -> datetime:
    start = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=days)


def _desa(codes: tuple[str, ...]) -> dict[int, list[Desa]]:
    return {i: list(Desa.objects.filter(kecamatan__code=c).order_by("code")) for i, c in enumerate(codes)}


def _child_in(desa: Desa, used: set[int]) -> Child | None:
    return Child.objects.filter(desa=desa).exclude(pk__in=used).order_by("id").first()


@transaction.atomic
def partisipasi_demo_load(*, reference_date: date) -> dict[str, int]:
    """Load the demo reports and proposals (idempotent). Needs the demo users; returns counts
    of what was added now (zero on a second run) and of what exists."""
    users = {u.username: u for u in User.objects.filter(username__in=["publik", *HANDLERS.values()])}
    desa = _desa(KECAMATAN_CODES)
    end = _at(reference_date, 1)
    added_reports = added_links = added_proposals = added_outcomes = 0
    used_children: set[int] = set(Report.objects.exclude(child=None).values_list("child_id", flat=True))
    for sc in SCENARIOS:
        if Report.objects.filter(demo_key=sc.key).exists() or _at(sc.submitted) > end:
            continue
        place = desa[sc.kecamatan][sc.desa % len(desa[sc.kecamatan])]
        report = report_submit(
            user=users["publik"],
            report_type=sc.report_type,
            desa_code=place.code,
            description=sc.description,
            child_name=sc.child_name,
            child_age=sc.child_age,
            at=_at(sc.submitted),
        )
        Report.objects.filter(pk=report.pk).update(demo_key=sc.key)
        added_reports += 1
        for step in sc.steps:
            when = _at(sc.submitted, step.after_days)
            if when > end:
                break
            report = report_act(
                user=users[HANDLERS[report.handler_role]],
                report=report,
                action=step.action,
                reason=step.reason,
                answer=step.answer,
                to_agency=step.to_agency,
                at=when,
            )
            if step.action == s.ACCEPT and sc.link:
                handler = users[HANDLERS[report.handler_role]]
                child = _child_in(place, used_children)
                if child is not None:
                    report_link_child(user=handler, report=report, child_id=child.pk, at=when)
                    used_children.add(child.pk)
                    added_links += 1
    for ps in PROPOSALS:
        if Proposal.objects.filter(demo_key=ps.key).exists() or date(ps.year, 1, 1) > reference_date:
            continue
        place = desa[ps.kecamatan][ps.desa % len(desa[ps.kecamatan])]
        proposal = proposal_record(
            user=users["bappeda"],
            year=ps.year,
            entry_level=ps.entry_level,
            title=ps.title,
            description=f"Usulan Forum Anak: {ps.title.lower()}.",
            forum_anak=f"Forum Anak Desa {place.name}"
            if ps.entry_level == s.DESA
            else f"Forum Anak Kecamatan {place.kecamatan.name}"
            if ps.entry_level == s.KECAMATAN
            else "Forum Anak Kabupaten Bengkayang",
            sector=ps.sector,
            desa_code=place.code if ps.entry_level == s.DESA else "",
            kecamatan_code=place.kecamatan.code if ps.entry_level == s.KECAMATAN else "",
            demo_key=ps.key,
        )
        added_proposals += 1
        for r in ps.rounds:
            if r.on > reference_date:
                break
            proposal_outcome_record(
                user=users["bappeda"],
                proposal=proposal,
                level=r.level,
                outcome=r.outcome,
                decided_on=r.on,
                reason=r.reason,
                amount=r.amount,
            )
            added_outcomes += 1
    return {
        "reports_added": added_reports,
        "children_linked": added_links,
        "proposals_added": added_proposals,
        "outcomes_added": added_outcomes,
        "reports": Report.objects.filter(demo_key__isnull=False).count(),
        "proposals": Proposal.objects.filter(demo_key__isnull=False).count(),
    }
