"""Response times and the KLA figures, counted by hand and by the platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Report
from satuanak.partisipasi.selectors import counts_by_type_and_agency, participation_figures, response_times
from satuanak.partisipasi.services import proposal_outcome_record, proposal_record, report_act
from satuanak.partisipasi.tests.conftest import at
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db


def test_response_times_and_answered_within_14_days_by_hand(
    personas: dict[str, Any], submit: Callable[..., Report], settings: Any
) -> None:
    settings.SATUANAK_TODAY = date(2025, 2, 1)
    dinkes, dukcapil = personas["dinkes"], personas["dukcapil"]
    # Health office: triaged after 2 h and 6 h, answered after 3 and 20 days.
    r1 = submit("malnourished", at=at("2024-10-01", 8))
    report_act(user=dinkes, report=r1, action=s.ACCEPT, at=at("2024-10-01", 10))
    report_act(user=dinkes, report=r1, action=s.ANSWER, answer="ok", at=at("2024-10-04", 8))
    r2 = submit("malnourished", at=at("2024-11-01", 8))
    report_act(user=dinkes, report=r2, action=s.ACCEPT, at=at("2024-11-01", 14))
    report_act(user=dinkes, report=r2, action=s.ANSWER, answer="ok", at=at("2024-11-21", 8))
    # Civil registry: one answered on day 14 exactly, one never triaged.
    r3 = submit("no_birth_certificate", at=at("2024-12-01", 9))
    report_act(user=dukcapil, report=r3, action=s.ACCEPT, at=at("2024-12-02", 9))
    report_act(user=dukcapil, report=r3, action=s.ANSWER, answer="ok", at=at("2024-12-15", 17))
    submit("no_birth_certificate", at=at("2024-12-20", 9))
    # Outside the quarter: not counted.
    submit("malnourished", at=at("2024-09-30", 23))

    rows = {r["agency_kind"]: r for r in response_times(period="2024Q4")}
    assert rows["dinkes"]["submitted"] == 2 and rows["dinkes"]["answered"] == 2
    assert rows["dinkes"]["median_hours_to_triage"] == (2 + 6) / 2
    assert rows["dinkes"]["median_days_to_answer"] == round((3 + 20) / 2, 1)
    assert rows["dinkes"]["answered_14d"] == 1
    assert rows["disdukcapil"]["submitted"] == 2 and rows["disdukcapil"]["triaged"] == 1
    assert rows["disdukcapil"]["median_hours_to_triage"] == 24.0
    assert rows["disdukcapil"]["answered_14d"] == 1

    figures = participation_figures(period="2024Q4")
    assert figures["2p_answered_14d"] == (2, 4, date(2024, 12, 31))  # r1 and r3 of r1..r4
    counts = {(c["agency"], c["n"]) for c in counts_by_type_and_agency(period="2024Q4")}
    assert len(counts) == 2 and sum(n for _, n in counts) == 4
    with pytest.raises(ValueError):
        participation_figures(period="2024Q9")


def test_musrenbang_accepted_counts_accepted_or_funded_at_any_round(
    personas: dict[str, Any], desa_in: Desa, settings: Any
) -> None:
    settings.SATUANAK_TODAY = date(2024, 5, 1)
    user = personas["bappeda"]

    def new(year: int) -> Any:
        return proposal_record(
            user=user,
            year=year,
            entry_level="desa",
            title="u",
            description="x",
            forum_anak="FA",
            sector="health",
            desa_code=desa_in.code,
        )

    def out(p: Any, level: str, outcome: str, **kw: Any) -> None:
        proposal_outcome_record(
            user=user, proposal=p, level=level, outcome=outcome, decided_on=date(2024, 2, 1), **kw
        )

    a, b, c, d = new(2024), new(2024), new(2024), new(2024)
    new(2023)  # another year
    out(a, "desa", "accepted")
    out(b, "desa", "forwarded")
    out(b, "kecamatan", "forwarded")
    out(b, "kabupaten", "funded", amount=5)
    out(c, "desa", "rejected", reason="r")
    out(d, "desa", "forwarded")
    assert participation_figures(period="2024Q2")["musrenbang_accepted"] == (2, 4, date(2024, 5, 1))
