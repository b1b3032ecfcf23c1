"""The mobile unit in the demo district, made through the same services a Disdukcapil officer
uses: a few visits already made in the border kecamatan during the two quarters before the
reference date (with the documents they issued), then a confirmed plan for the next quarter.

Needs the flags computed (FlagAggregate rows for no_akta/no_kia) and the demo user "dukcapil".
Idempotent: a visit to a desa on a date that is already recorded is not recorded again, and a
quarter that has a confirmed plan keeps it.
"""

from __future__ import annotations

from datetime import date, timedelta

from satuanak.accounts.models import User
from satuanak.jempol.models import OutreachPlan, Visit
from satuanak.jempol.selectors import default_quarter, desa_gaps
from satuanak.jempol.services import JempolError, outreach_plan_confirm, outreach_plan_propose, visit_record

# Kecamatan on the border with Sarawak (Malaysia), where the unit went first.
BORDER_KECAMATAN = ("Jagoi Babang", "Seluas", "Siding")
DEMO_TEAM = "Tim Jempol Disdukcapil (contoh)"
PAST_VISIT_DAYS_AGO = (150, 115, 80, 45)  # from the reference date: in its quarter and the one before
PLAN_VISIT_DAYS = 12


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def jempol_demo_load(*, reference_date: date) -> dict[str, int]:
    """Record the past visits and confirm the next quarter's plan; return what was added (all
    zeros on a second call)."""
    officer = User.objects.get(username="dukcapil")
    counts = {"visits": 0, "plans": 0, "planned_visits": 0}
    _period, gaps = desa_gaps(today=reference_date)
    # The border desa with the largest gaps (by gap alone, so a second call picks the same ones).
    border = sorted(
        (g for g in gaps if g.kecamatan in BORDER_KECAMATAN and g.gap > 0), key=lambda g: (-g.gap, g.code)
    )
    for g, days_ago in zip(border, PAST_VISIT_DAYS_AGO, strict=False):
        day = _weekday(reference_date - timedelta(days=days_ago))
        if Visit.objects.filter(desa__code=g.code, date=day).exists():
            continue
        akta = max(1, g.no_akta * 2 // 5) if g.no_akta else 0
        kia = max(1, g.no_kia // 3) if g.no_kia else 0
        services = ["kk", "ktp_el", *(["akta"] if akta else []), *(["kia"] if kia else [])]
        visit_record(
            user=officer,
            desa_code=g.code,
            date=day,
            services=services,
            documents={"akta": akta, "kia": kia, "kk": max(1, akta // 2), "ktp_el": 6 + days_ago % 7},
            team=DEMO_TEAM,
            notes="Layanan di kantor desa, diumumkan lewat aparat desa dan gereja/masjid (contoh).",
            today=reference_date,
        )
        counts["visits"] += 1
    quarter = default_quarter(reference_date)
    if not OutreachPlan.objects.filter(quarter=quarter, status=OutreachPlan.Status.CONFIRMED).exists():
        try:
            plan = outreach_plan_propose(
                user=officer, quarter=quarter, visit_days=PLAN_VISIT_DAYS, today=reference_date
            )
        except JempolError:
            return counts  # no flags computed: nothing to plan from
        outreach_plan_confirm(user=officer, plan=plan)
        counts["plans"] += 1
        counts["planned_visits"] += plan.visits.count()
    return counts
