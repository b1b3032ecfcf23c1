"""Musrenbang: a Forum Anak proposal followed from the desa round to the kabupaten's, and the
year's counts by outcome and round."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Proposal
from satuanak.partisipasi.selectors import musrenbang_summary
from satuanak.partisipasi.services import (
    PartisipasiError,
    PartisipasiPermissionError,
    proposal_next_level,
    proposal_outcome_record,
    proposal_record,
)
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db


def test_a_proposal_followed_desa_kecamatan_kabupaten_through_the_pages(
    personas: dict[str, Any], desa_in: Desa
) -> None:
    c = Client()
    c.force_login(personas["bappeda"])
    response = c.post(
        "/musrenbang/baru/",
        {
            "tahun": "2024",
            "tingkat": "desa",
            "judul": "Ruang Bermain Ramah Anak",
            "uraian": "Forum Anak mengusulkan RBRA di balai desa.",
            "forum_anak": "Forum Anak Desa",
            "bidang": "play_culture",
            "desa": desa_in.code,
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and proposal.kecamatan == desa_in.kecamatan
    url = f"/musrenbang/{proposal.pk}/hasil/"
    assert c.post(url, {"tingkat": "desa", "hasil": "forwarded", "tanggal": "2024-01-25"}).status_code == 302
    # The kabupaten round before the kecamatan's: refused, nothing saved.
    skipped = c.post(url, {"tingkat": "kabupaten", "hasil": "accepted", "tanggal": "2024-03-01"})
    assert skipped.status_code == 400 and proposal.outcomes.count() == 1
    assert (
        c.post(url, {"tingkat": "kecamatan", "hasil": "forwarded", "tanggal": "2024-02-20"}).status_code
        == 302
    )
    no_amount = c.post(url, {"tingkat": "kabupaten", "hasil": "funded", "tanggal": "2024-03-21", "dana": ""})
    assert no_amount.status_code == 400
    funded = c.post(
        url, {"tingkat": "kabupaten", "hasil": "funded", "tanggal": "2024-03-21", "dana": "150.000.000"}
    )
    assert funded.status_code == 302
    assert [(o.level, o.outcome, o.amount) for o in proposal.outcomes.order_by("decided_on")] == [
        ("desa", "forwarded", None),
        ("kecamatan", "forwarded", None),
        ("kabupaten", "funded", 150_000_000),
    ]
    assert proposal_next_level(proposal) is None
    page = c.get(f"/musrenbang/{proposal.pk}/").content.decode()
    assert 'data-testid="proposal-ended"' in page and "proposal-outcome-form" not in page
    with pytest.raises(PartisipasiError):
        proposal_outcome_record(
            user=personas["bappeda"],
            proposal=proposal,
            level="kabupaten",
            outcome="accepted",
            decided_on=date(2024, 4, 1),
        )


def test_rejection_needs_a_reason_and_only_planners_and_the_steward_record(
    personas: dict[str, Any], desa_in: Desa
) -> None:
    proposal = proposal_record(
        user=personas["steward"],
        year=2024,
        entry_level="kecamatan",
        title="Pojok baca",
        description="x",
        forum_anak="Forum Anak Kecamatan",
        sector="education",
        kecamatan_code=desa_in.kecamatan.code,
    )
    with pytest.raises(PartisipasiError):
        proposal_outcome_record(
            user=personas["steward"],
            proposal=proposal,
            level="kecamatan",
            outcome="rejected",
            decided_on=date(2024, 2, 1),
        )
    with pytest.raises(PartisipasiPermissionError):
        proposal_outcome_record(
            user=personas["dinkes"],
            proposal=proposal,
            level="kecamatan",
            outcome="accepted",
            decided_on=date(2024, 2, 1),
        )
    proposal_outcome_record(
        user=personas["steward"],
        proposal=proposal,
        level="kecamatan",
        outcome="rejected",
        reason="Anggaran habis",
        decided_on=date(2024, 2, 1),
    )


@pytest.mark.parametrize(
    "post",
    [
        {"judul": "", "uraian": "x"},
        {"judul": "x" * (s.TITLE_MAX + 1), "uraian": "x"},
        {"judul": "<script>alert(1)</script>", "uraian": "x"},
        {"judul": "RBRA", "uraian": "x", "desa": ""},  # a desa round without its desa
        {"judul": "RBRA", "uraian": "x", "tahun": "dua ribu"},
    ],
)
def test_bad_proposal_input_is_a_400_and_saves_nothing(
    post: dict[str, str], personas: dict[str, Any], desa_in: Desa
) -> None:
    c = Client()
    c.force_login(personas["bappeda"])
    data = {
        "tahun": "2024",
        "tingkat": "desa",
        "forum_anak": "FA",
        "bidang": "health",
        "desa": desa_in.code,
        **post,
    }
    response = c.post("/musrenbang/baru/", data)
    assert response.status_code == 400 and Proposal.objects.count() == 0
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_counts_by_outcome_and_round(personas: dict[str, Any], desa_in: Desa) -> None:
    def new(level: str, **kw: Any) -> Proposal:
        return proposal_record(
            user=personas["bappeda"],
            year=2024,
            entry_level=level,
            title="u",
            description="x",
            forum_anak="FA",
            sector="health",
            desa_code=desa_in.code if level == s.DESA else "",
            kecamatan_code=desa_in.kecamatan.code if level == s.KECAMATAN else "",
        )

    def out(p: Proposal, level: str, outcome: str, **kw: Any) -> None:
        proposal_outcome_record(
            user=personas["bappeda"],
            proposal=p,
            level=level,
            outcome=outcome,
            decided_on=date(2024, 3, 1),
            **kw,
        )

    a, b, c = new(s.DESA), new(s.DESA), new(s.KABUPATEN)
    new(s.KECAMATAN)  # waiting
    out(a, s.DESA, s.FORWARDED)
    out(a, s.KECAMATAN, s.ACCEPTED_INTO_PLAN)
    out(b, s.DESA, s.REJECTED, reason="tidak prioritas")
    out(c, s.KABUPATEN, s.FUNDED, amount=10_000_000)
    summary = musrenbang_summary(2024)
    cells = {row["level"]: row["cells"] for row in summary["table"]}  # order of s.OUTCOMES
    assert cells[s.LEVEL_LABELS[s.DESA]] == [0, 1, 1, 0]
    assert cells[s.LEVEL_LABELS[s.KECAMATAN]] == [1, 0, 0, 0]
    assert cells[s.LEVEL_LABELS[s.KABUPATEN]] == [0, 0, 0, 1]
    assert summary["proposals"] == 4
    assert dict(summary["entered"]) == {
        s.LEVEL_LABELS[s.DESA]: 2,
        s.LEVEL_LABELS[s.KECAMATAN]: 1,
        s.LEVEL_LABELS[s.KABUPATEN]: 1,
    }
