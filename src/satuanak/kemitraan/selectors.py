"""Reads of satuanak.kemitraan: IKM scores per service point and quarter (with the roadmap target
and the respondent minimum), APSAI commitments against deliveries, funding planned vs spent per
programme and source, cost per child, and the figures other apps (KLA) read.

Nothing here is personal data: survey rows are anonymous and the programme results used for
cost per child are district-wide counts of distinct children (see `programme_results`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from satuanak.core.periods import period_bounds, quarter_bounds
from satuanak.kemitraan import ikm
from satuanak.kemitraan.models import Commitment, Company, FundingEntry, IkmResponse, ServicePoint
from satuanak.kemitraan.services import lists, question_set

# --- IKM ---------------------------------------------------------------------------------------


def ikm_result_for(*, point: ServicePoint, period: str) -> ikm.IkmResult | None:
    start, end = quarter_bounds(period)
    qs = question_set()
    rows = IkmResponse.objects.filter(point=point, answered_on__range=(start, end)).values_list(
        "answers", flat=True
    )
    return ikm.ikm_compute(qs, ikm.sheets_of(rows, qs.codes))


@dataclass(frozen=True)
class IkmScore:
    point_code: str
    point_name: str
    kind: str
    period: str
    respondents: int
    score: Decimal | None  # None when nobody answered
    category: str
    enough: bool  # respondents >= minimum; otherwise the page says "too few respondents"
    min_respondents: int
    baseline_period: str = ""
    baseline_score: Decimal | None = None
    target: Decimal | None = None
    nrr: dict[str, Decimal] = field(default_factory=dict)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.score is None or not self.enough:
            return None
        return self.score >= self.target

    @property
    def bar_pct(self) -> int:
        return int(self.score) if self.score is not None else 0


def ikm_scores(*, period: str) -> list[IkmScore]:
    """One row per active service point for the quarter, with its baseline and target if set."""
    qs = question_set()
    out = []
    for point in ServicePoint.objects.filter(active=True).select_related("baseline"):
        result = ikm_result_for(point=point, period=period)
        baseline = getattr(point, "baseline", None)
        out.append(
            IkmScore(
                point_code=point.code,
                point_name=point.name,
                kind=point.get_kind_display(),
                period=period.strip().upper(),
                respondents=result.respondents if result else 0,
                score=result.score if result else None,
                category=result.category if result else "",
                enough=bool(result and result.enough),
                min_respondents=qs.min_respondents,
                baseline_period=baseline.period if baseline else "",
                baseline_score=baseline.score if baseline else None,
                target=ikm.ikm_target(baseline=baseline.score, uplift_pct=baseline.uplift_pct)
                if baseline
                else None,
                nrr={k: ikm.round2(v) for k, v in result.nrr.items()} if result else {},
            )
        )
    # Points with answers first, so the page does not open on a list of empty puskesmas.
    return sorted(out, key=lambda s: (s.respondents == 0, s.kind, s.point_name))


# --- APSAI ---------------------------------------------------------------------------------------


@dataclass
class CompanyRow:
    company: Company
    committed: int = 0
    delivered: int = 0  # per commitment at most its quantity: over-delivery does not hide a gap

    @property
    def share_pct(self) -> int | None:
        return round(100 * self.delivered / self.committed) if self.committed else None


def commitment_delivered(commitment: Commitment, *, until: date | None = None) -> int:
    qs = commitment.deliveries.all()
    if until is not None:
        qs = qs.filter(delivered_on__lte=until)
    total = qs.aggregate(s=Sum("quantity"))["s"] or 0
    return min(int(total), commitment.quantity)


def apsai_rows(*, year: int, until: date | None = None) -> list[CompanyRow]:
    """Every member with its commitments of `year` and the units delivered (up to `until`)."""
    rows = {c.pk: CompanyRow(company=c) for c in Company.objects.all()}
    for commitment in Commitment.objects.filter(year=year).prefetch_related("deliveries"):
        delivered = sum(
            d.quantity for d in commitment.deliveries.all() if until is None or d.delivered_on <= until
        )
        row = rows[commitment.company_id]
        row.committed += commitment.quantity
        row.delivered += min(delivered, commitment.quantity)
    return sorted(rows.values(), key=lambda r: r.company.name)


# --- funding -----------------------------------------------------------------------------------


@dataclass
class Money:
    planned: int = 0
    spent: int = 0

    @property
    def spent_pct(self) -> int | None:
        return round(100 * self.spent / self.planned) if self.planned else None

    @property
    def bar_px(self) -> int:
        return min(120, round(1.2 * (self.spent_pct or 0)))


@dataclass
class FundingTable:
    year: int
    cells: dict[tuple[str, str], Money]  # (programme, source) -> money
    by_programme: dict[str, Money]
    by_source: dict[str, Money]
    total: Money


def funding_table(*, year: int, until: date | None = None) -> FundingTable:
    """Planned and spent per programme and source for the budget year: sums of the entries."""
    qs = FundingEntry.objects.filter(year=year)
    if until is not None:
        qs = qs.filter(entry_date__lte=until)
    cells: dict[tuple[str, str], Money] = defaultdict(Money)
    by_programme: dict[str, Money] = defaultdict(Money)
    by_source: dict[str, Money] = defaultdict(Money)
    total = Money()
    for programme, source, kind, amount in (
        qs.order_by().values_list("programme", "source", "kind").annotate(s=Sum("amount"))
    ):
        for m in (cells[(programme, source)], by_programme[programme], by_source[source], total):
            if kind == FundingEntry.Kind.PLANNED:
                m.planned += int(amount)
            else:
                m.spent += int(amount)
    return FundingTable(
        year=year, cells=dict(cells), by_programme=dict(by_programme), by_source=dict(by_source), total=total
    )


def district_reader() -> Any:
    # The KLA report's district-wide reader: counts of distinct children, no child shown.
    from satuanak.kla.report import district_reader as reader

    return reader()


def programme_results(*, year: int, today: date | None = None) -> dict[str, tuple[int, int]]:
    """Funding programme code -> (children covered, children improved) in the year, from the
    programme report (interventions.selectors.programme_report) read district-wide.

    The report counts distinct children per programme, flag and desa; a programme's figure here
    is the sum of its totals over flags, so a child answered for two flags counts twice (rare:
    GESIT and PMT answer one growth flag). Programmes without interventions (PRAP, adminduk)
    have no results here, and their cost per child shows "—"."""
    from satuanak.interventions.selectors import programme_report

    report = programme_report(user=district_reader(), period=str(year), today=today)
    per_report: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in report.totals:
        per_report[t.programme][0] += t.covered
        per_report[t.programme][1] += t.improved
    out: dict[str, tuple[int, int]] = {}
    for p in lists().programmes:
        if p.report_programmes:
            covered = sum(per_report[name][0] for name in p.report_programmes if name in per_report)
            improved = sum(per_report[name][1] for name in p.report_programmes if name in per_report)
            out[p.code] = (covered, improved)
    return out


@dataclass(frozen=True)
class CostRow:
    programme: str
    label: str
    money: Any
    covered: int | None
    improved: int | None
    per_covered: int | None  # rupiah spent per child covered; None shows "—"
    per_improved: int | None


def cost_rows(*, table: FundingTable, results: dict[str, tuple[int, int]]) -> list[CostRow]:
    rows = []
    for p in lists().programmes:
        money = table.by_programme.get(p.code, Money())
        covered, improved = results.get(p.code, (None, None))
        rows.append(
            CostRow(
                programme=p.code,
                label=p.label_id,
                money=money,
                covered=covered,
                improved=improved,
                per_covered=ikm.cost_per_child(money.spent, covered),
                per_improved=ikm.cost_per_child(money.spent, improved),
            )
        )
    return rows


# --- figures for other apps -----------------------------------------------------------------------


def partnership_figures(*, period: str) -> dict[str, tuple[int, int, date]]:
    """(numerator, denominator, as-of date) for the period's budget year, as of the period's end:
    apsai_delivered = commitment units delivered / committed; funding_spent = rupiah spent /
    planned. A denominator of 0 means nothing was committed or planned."""
    end = period_bounds(period)[1]  # "2024Q4" or "2024": the year's figures up to then
    rows = apsai_rows(year=end.year, until=end)
    table = funding_table(year=end.year, until=end)
    return {
        "apsai_delivered": (sum(r.delivered for r in rows), sum(r.committed for r in rows), end),
        "funding_spent": (table.total.spent, table.total.planned, end),
    }
