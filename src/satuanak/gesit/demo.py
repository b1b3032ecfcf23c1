"""A running GESIT programme for the demo district, made through the same services a health
officer and a cadre use (suggest, confirm, log deliveries, keep the Prosasa ledger).

Needs the synthetic district loaded (children linked, flags computed) and the demo users
("dinkes"). Idempotent: a BAAS that exists is left as it is (with its assignments and
deliveries), a posyandu that has ledger entries gets none. Foster parents' names are made up.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from satuanak.access.selectors import desa_visible_to
from satuanak.accounts.models import User
from satuanak.facilities.models import Posyandu
from satuanak.gesit.models import Baas, BaasAssignment, PmtDelivery, ProsasaEntry
from satuanak.gesit.services import (
    assignment_confirm,
    assignment_suggest,
    baas_create,
    pmt_delivery_record,
    prosasa_entry_record,
    stunted_findings,
)
from satuanak.regions.models import Desa, Kecamatan

# (kind, name pattern, commitment, capacity, days before the reference date the children start)
# Started > 100 days ago: completed, with outcomes to read (first, so that it finds children);
# started 20-90 days ago: mid-way.
_BAAS_PLAN: list[tuple[str, str, str, int, int]] = [
    ("person", "Tokoh Masyarakat {kec} (contoh)", "Telur dan ikan, 100 hari", 6, 130),
    ("person", "Bapak Asuh {kec} 1 (contoh)", "Telur 1 butir per hari dan susu, 100 hari", 10, 25),
    ("person", "Bunda Asuh {kec} 2 (contoh)", "Paket PMT lokal mingguan, 100 hari", 8, 60),
    ("company", "PT Sawit Sejahtera {kec} (CSR, contoh)", "CSR: paket PMT lokal dan telur, 100 hari", 10, 90),
]
_PROSASA_POSYANDU_PER_KECAMATAN = 3
_PROSASA_MONTHS = 6


def _delivery_user(kecamatan: Kecamatan, fallback: User) -> User:
    """A cadre of the kecamatan if there is one, else its puskesmas staff, else the officer."""
    for role in ("cadre", "puskesmas_staff"):
        for user in User.objects.filter(role=role, is_active=True).order_by("pk"):
            if desa_visible_to(user).filter(kecamatan=kecamatan).exists():
                return user
    return fallback


def _baas_desa(kecamatan: Kecamatan, index: int) -> Desa | None:
    """The kecamatan's desa with the most stunted children, the next for the next BAAS."""
    desa = list(
        Desa.objects.filter(kecamatan=kecamatan)
        .annotate(
            n=Count(
                "children__flags",
                filter=Q(children__flags__code="stunting", children__flags__status="flagged"),
            )
        )
        .order_by("-n", "code")[:4]
    )
    return desa[index % len(desa)] if desa else None


def gesit_demo_load(*, reference_date: date, kecamatan_codes: tuple[str, str]) -> dict[str, int]:
    """Create BAAS with confirmed assignments, weekly PMT deliveries and Prosasa ledgers in two
    kecamatan; return what was added (all zeros on a second call)."""
    officer = User.objects.get(username="dinkes")
    today = reference_date
    counts = {"baas": 0, "assignments": 0, "deliveries": 0, "prosasa_entries": 0}
    stunted = stunted_findings(officer)
    for kec_code in kecamatan_codes:
        kecamatan = Kecamatan.objects.get(code=kec_code)
        deliverer = _delivery_user(kecamatan, officer)
        short = kecamatan.name.split()[-1]
        for index, (kind, pattern, commitment, capacity, days_ago) in enumerate(_BAAS_PLAN):
            name = pattern.format(kec=short)
            if Baas.objects.filter(name=name, kecamatan=kecamatan).exists():
                continue
            desa = _baas_desa(kecamatan, index)
            baas = baas_create(
                user=officer,
                kind=kind,
                name=name,
                desa_code=desa.code if desa else "",
                kecamatan_code=kecamatan.code,
                phone=f"0812-0000-{kecamatan.code[-2:]}{index:02d}",
                commitment=commitment,
                capacity=capacity,
            )
            counts["baas"] += 1
            start = today - timedelta(days=days_ago)
            # Children of this kecamatan, born by the start, stunted now and in no running assignment.
            local = set(
                stunted.filter(child__desa__kecamatan=kecamatan, child__birth_date__lte=start).values_list(
                    "child_id", flat=True
                )
            )
            already = set(BaasAssignment.objects.values_list("child_id", flat=True))
            chosen = [
                c.candidate.child_id
                for c in assignment_suggest(user=officer, baas=baas, today=today)
                if c.candidate.child_id in local and c.candidate.child_id not in already
            ]
            if not chosen:
                continue
            made = assignment_confirm(
                user=officer, baas=baas, child_ids=chosen, start_date=start, today=today
            )
            counts["assignments"] += len(made)
            for assignment in made:
                counts["deliveries"] += _weekly_deliveries(assignment, deliverer, officer, today)
        counts["prosasa_entries"] += _prosasa(kecamatan, deliverer, today)
    return counts


def _weekly_deliveries(assignment: BaasAssignment, deliverer: User, officer: User, today: date) -> int:
    if PmtDelivery.objects.filter(assignment=assignment).exists():
        return 0
    from satuanak.access.selectors import children_visible_to

    user = deliverer if children_visible_to(deliverer).filter(pk=assignment.child_id).exists() else officer
    n = 0
    day = assignment.start_date
    last = min(assignment.end_date, today)
    week = 0
    while day <= last:
        item, quantity, unit = ("telur", 7, "butir") if week % 2 == 0 else ("paket PMT lokal", 1, "paket")
        pmt_delivery_record(
            user=user,
            assignment=assignment,
            delivered_on=day,
            item=item,
            quantity=quantity,
            unit=unit,
            notes="" if week % 4 else "ditimbang / weighed",
            today=today,
        )
        n += 1
        week += 1
        day += timedelta(days=7)
    return n


def _prosasa(kecamatan: Kecamatan, user: Any, today: date) -> int:
    n = 0
    posyandu = Posyandu.objects.filter(desa__kecamatan=kecamatan).order_by("code")[
        :_PROSASA_POSYANDU_PER_KECAMATAN
    ]
    for p_index, posyandu_row in enumerate(posyandu):
        if ProsasaEntry.objects.filter(posyandu=posyandu_row).exists():
            continue
        recorder = user if desa_visible_to(user).filter(pk=posyandu_row.desa_id).exists() else None
        if recorder is None:
            recorder = User.objects.get(username="dinkes")
        first = date(today.year, today.month, 1)
        months = []
        for back in range(_PROSASA_MONTHS - 1, -1, -1):
            y, m = first.year, first.month - back
            while m <= 0:
                y, m = y - 1, m + 12
            months.append(date(y, m, 1))
        for m_index, month in enumerate(months):
            families = 30 + 7 * p_index + 3 * (m_index % 3)  # one egg per family per month
            money_in = 50_000 + 25_000 * ((p_index + m_index) % 4)
            prosasa_entry_record(
                user=recorder,
                posyandu=posyandu_row,
                entry_date=month.replace(day=5),
                direction="in",
                eggs=families,
                money=money_in,
                note=f"donasi {families} keluarga / donations of {families} families",
                today=today,
            )
            out_day = month.replace(day=20)
            if out_day <= today:
                prosasa_entry_record(
                    user=recorder,
                    posyandu=posyandu_row,
                    entry_date=out_day,
                    direction="out",
                    eggs=families - 5,
                    money=money_in - 20_000,
                    note="PMT anak stunting dan ibu hamil KEK di luar BAAS",
                    today=today,
                )
                n += 1
            n += 1
    return n
