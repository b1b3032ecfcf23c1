"""Reads of the GESIT programme, each scoped to the user's area (access/selectors.py).

The pages that call these write the audit entry of the look (web/gesit_views.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from satuanak.access.agreements import policy_of
from satuanak.access.selectors import children_visible_to
from satuanak.common import clock
from satuanak.facilities.models import Posyandu
from satuanak.gesit.models import Baas, BaasAssignment, ProsasaEntry
from satuanak.gesit.services import (
    GesitError,
    active_assignments,
    assignments_visible_to,
    baas_visible_to,
    posyandu_visible_to,
    stunted_findings,
)
from satuanak.persons.models import Child

# --- BAAS and their children ---------------------------------------------------------------------


@dataclass(frozen=True)
class BaasRow:
    baas: Baas
    used: int  # active confirmed assignments (of every area: capacity is the BAAS's own)
    completed: int  # assignments that ran their 100 days

    @property
    def free(self) -> int:
        return max(self.baas.capacity - self.used, 0) if self.baas.active else 0


def baas_rows(*, user: Any, today: date | None = None) -> list[BaasRow]:
    today = today or clock.today()
    confirmed = BaasAssignment.Status.CONFIRMED
    qs = (
        baas_visible_to(user)
        .select_related("desa", "kecamatan")
        .annotate(
            used=Count(
                "assignments", filter=Q(assignments__status=confirmed, assignments__end_date__gte=today)
            ),
            completed=Count(
                "assignments", filter=Q(assignments__status=confirmed, assignments__end_date__lt=today)
            ),
        )
        .order_by("kecamatan__code", "name", "id")
    )
    return [BaasRow(baas=b, used=b.used, completed=b.completed) for b in qs]


def assignments_with_deliveries(qs: QuerySet[BaasAssignment]) -> QuerySet[BaasAssignment]:
    """Assignments with `n_deliveries` and `last_delivery` annotated, child and BAAS loaded."""
    return (
        qs.select_related("child__desa", "baas")
        .defer("child__desa__geometry", "child__field_sources")
        .annotate(n_deliveries=Count("deliveries"), last_delivery=Max("deliveries__delivered_on"))
    )


def active_assignments_of(*, user: Any, today: date | None = None) -> QuerySet[BaasAssignment]:
    """Confirmed assignments running today, of children in the user's area."""
    qs = active_assignments(today).filter(
        status=BaasAssignment.Status.CONFIRMED, pk__in=assignments_visible_to(user).values("pk")
    )
    return assignments_with_deliveries(qs).order_by("end_date", "baas__name", "id")


def baas_assignments(*, user: Any, baas: Baas) -> QuerySet[BaasAssignment]:
    """Every assignment of the BAAS whose child is in the user's area, newest first."""
    return assignments_with_deliveries(assignments_visible_to(user).filter(baas=baas)).order_by(
        "-start_date", "child__name", "id"
    )


@dataclass(frozen=True)
class ChildGesitRow:
    assignment_id: int
    baas_name: str
    baas_kind: str
    status: str
    status_label: str
    start_date: date
    end_date: date
    deliveries: int
    last_delivery: date | None
    ended_reason: str


def gesit_for_child(*, user: Any, child: Child) -> list[ChildGesitRow]:
    """The child's GESIT assignments (BAAS, dates, deliveries), for the child's page; empty for a
    child outside the user's area."""
    qs = assignments_with_deliveries(assignments_visible_to(user).filter(child=child)).order_by(
        "-start_date", "-id"
    )
    return [
        ChildGesitRow(
            assignment_id=a.pk,
            baas_name=a.baas.name,
            baas_kind=a.baas.kind,
            status=a.status,
            status_label=a.get_status_display(),
            start_date=a.start_date,
            end_date=a.end_date,
            deliveries=a.n_deliveries,  # type: ignore[attr-defined]
            last_delivery=a.last_delivery,  # type: ignore[attr-defined]
            ended_reason=a.ended_reason,
        )
        for a in qs
    ]


# --- who is still uncovered ----------------------------------------------------------------------


@dataclass(frozen=True)
class UncoveredChild:
    child_id: int
    name: str
    birth_date: date | None
    stunted: bool
    haz: float | None
    mother_kek: bool


@dataclass
class UncoveredDesa:
    desa_code: str  # "" for children no source places in a desa
    desa_name: str
    kecamatan_name: str
    stunted: int = 0
    mother_kek: int = 0
    total: int = 0
    children: list[UncoveredChild] | None = None


def _kek_child_ids(user: Any) -> QuerySet[Any]:
    """Children whose mother was undernourished (KEK) in her latest registered pregnancy, for a
    role that may see the KIA source the flag comes from."""
    from satuanak.flags.models import ChildFlag
    from satuanak.flags.selectors import FLAG_SOURCES

    if FLAG_SOURCES["mother_kek"] not in policy_of(user).sources:
        return ChildFlag.objects.none().values("child_id")
    return ChildFlag.objects.filter(code="mother_kek", status=ChildFlag.Status.FLAGGED).values("child_id")


def covered_child_ids() -> Q:
    """A child is covered by a BAAS assignment (not ended) or by any PMT intervention."""
    from satuanak.interventions.models import Intervention

    return Q(pk__in=Intervention.objects.filter(kind=Intervention.Kind.PMT).values("child_id")) | Q(
        pk__in=BaasAssignment.objects.exclude(status=BaasAssignment.Status.ENDED).values("child_id")
    )


def uncovered_by_desa(
    *, user: Any, desa_code: str | None = None, with_children: bool = True
) -> list[UncoveredDesa]:
    """Per desa of the user's area: stunted children (latest quarter) and children of KEK mothers
    that neither a BAAS nor any PMT covers; most uncovered first. `desa_code` narrows to one
    desa ("" = children without a desa); `with_children` adds the list of children."""
    haz = dict(stunted_findings(user).values_list("child_id", "value"))
    kek = set(_kek_child_ids(user).values_list("child_id", flat=True))
    qs = (
        children_visible_to(user)
        .filter(Q(pk__in=stunted_findings(user).values("child_id")) | Q(pk__in=_kek_child_ids(user)))
        .exclude(covered_child_ids())
    )
    if desa_code is not None:
        qs = qs.filter(desa__code=desa_code) if desa_code else qs.filter(desa__isnull=True)
    rows = qs.values_list("pk", "name", "birth_date", "desa__code", "desa__name", "desa__kecamatan__name")
    out: dict[str, UncoveredDesa] = {}
    for pk, name, birth, code, desa_name, kec_name in rows.order_by("desa__code", "name", "pk"):
        key = code or ""
        entry = out.get(key)
        if entry is None:
            entry = out[key] = UncoveredDesa(
                desa_code=key,
                desa_name=desa_name or "(desa tidak diketahui / desa unknown)",
                kecamatan_name=kec_name or "",
                children=[] if with_children else None,
            )
        is_stunted, is_kek = pk in haz, pk in kek
        entry.stunted += is_stunted
        entry.mother_kek += is_kek
        entry.total += 1
        if entry.children is not None:
            entry.children.append(
                UncoveredChild(
                    child_id=pk,
                    name=name,
                    birth_date=birth,
                    stunted=is_stunted,
                    haz=haz.get(pk),
                    mother_kek=is_kek,
                )
            )
    return sorted(out.values(), key=lambda d: (-d.total, d.desa_code))


# --- Prosasa ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerMonth:
    month: date  # the first day of the month
    eggs_in: int
    eggs_out: int
    money_in: int
    money_out: int
    eggs_balance: int  # at the month's end
    money_balance: int


@dataclass(frozen=True)
class ProsasaLedger:
    posyandu: Posyandu
    year: int | None
    years: list[int]  # years with entries, for the page's choice
    opening_eggs: int  # balance before the year (0 for the whole ledger)
    opening_money: int
    months: list[LedgerMonth]
    entries: list[ProsasaEntry]  # of the year (or all), newest first, with who recorded each

    @property
    def eggs_balance(self) -> int:
        return self.months[-1].eggs_balance if self.months else self.opening_eggs

    @property
    def money_balance(self) -> int:
        return self.months[-1].money_balance if self.months else self.opening_money


def prosasa_ledger(*, user: Any, posyandu: Posyandu, year: int | None = None) -> ProsasaLedger:
    """A posyandu's ledger per month: eggs and money in and out, the balance at each month's end,
    and the entries with who recorded them."""
    found = posyandu_visible_to(user).select_related("desa").filter(pk=posyandu.pk).first()
    if found is None:
        raise GesitError("Posyandu tidak ditemukan di wilayah Anda. / Posyandu not found in your area.")
    entries = list(
        ProsasaEntry.objects.filter(posyandu=found).select_related("recorded_by").order_by("entry_date", "id")
    )
    years = sorted({e.entry_date.year for e in entries}, reverse=True)
    eggs = money = 0
    opening_eggs = opening_money = 0
    months: dict[date, list[int]] = {}
    shown = []
    for e in entries:
        sign = 1 if e.direction == ProsasaEntry.Direction.IN else -1
        eggs += sign * e.eggs
        money += sign * e.money
        if year is not None and e.entry_date.year < year:
            opening_eggs, opening_money = eggs, money
            continue
        if year is not None and e.entry_date.year > year:
            break
        shown.append(e)
        row = months.setdefault(e.entry_date.replace(day=1), [0, 0, 0, 0, 0, 0])
        if sign > 0:
            row[0] += e.eggs
            row[2] += e.money
        else:
            row[1] += e.eggs
            row[3] += e.money
        row[4], row[5] = eggs, money
    return ProsasaLedger(
        posyandu=found,
        year=year,
        years=years,
        opening_eggs=opening_eggs,
        opening_money=opening_money,
        months=[LedgerMonth(m, *v) for m, v in sorted(months.items())],
        entries=shown[::-1],
    )
