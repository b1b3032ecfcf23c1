"""The state table, service level and tracking codes: pure, no database."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.adminduk import states as s

OP, OF = s.OPERATOR, s.OFFICER


@pytest.mark.parametrize(
    ("from_state", "to_state", "actor", "reason"),
    [
        (s.SUBMITTED, s.VERIFIED, OF, ""),
        (s.SUBMITTED, s.RETURNED, OF, "buku nikah"),
        (s.SUBMITTED, s.REJECTED, OF, "di luar kabupaten"),
        (s.RETURNED, s.SUBMITTED, OP, ""),
        (s.VERIFIED, s.ISSUED, OF, ""),
        (s.VERIFIED, s.RETURNED, OF, "KTP buram"),
    ],
)
def test_allowed_moves(from_state: str, to_state: str, actor: str, reason: str) -> None:
    s.transition_check(from_state, to_state, actor=actor, reason=reason)


@pytest.mark.parametrize(
    ("from_state", "to_state", "actor", "reason", "message"),
    [
        (s.SUBMITTED, s.ISSUED, OF, "", "Tidak boleh"),  # not verified yet
        (s.RETURNED, s.VERIFIED, OF, "", "Tidak boleh"),  # the facility must resubmit first
        (s.ISSUED, s.RETURNED, OF, "x", "tidak dapat diubah"),
        (s.REJECTED, s.SUBMITTED, OP, "", "tidak dapat diubah"),
        (s.SUBMITTED, s.RETURNED, OF, "  ", "Alasan wajib"),
        (s.VERIFIED, s.REJECTED, OF, "", "Alasan wajib"),
        (s.SUBMITTED, s.VERIFIED, OP, "", "Disdukcapil"),  # an operator cannot verify
        (s.RETURNED, s.SUBMITTED, OF, "", "petugas fasilitas"),  # nor the officer resubmit
        (s.SUBMITTED, "approved", OF, "", "tidak dikenal"),
    ],
)
def test_refused_moves(from_state: str, to_state: str, actor: str, reason: str, message: str) -> None:
    with pytest.raises(s.TransitionError, match=message):
        s.transition_check(from_state, to_state, actor=actor, reason=reason)


def test_every_state_has_a_row_a_public_label_and_final_states_have_no_way_out() -> None:
    assert set(s.TRANSITIONS) == set(s.STATES) == set(s.PUBLIC_LABELS)
    assert {s.ISSUED, s.REJECTED} == s.FINAL
    for targets in s.TRANSITIONS.values():
        assert set(targets) <= set(s.STATES)


def test_service_level_counts_working_days_and_overdue_starts_the_day_after() -> None:
    friday = date(2024, 12, 27)
    assert s.due_on(friday) == date(2025, 1, 1)  # Mon, Tue, Wed
    assert s.due_on(date(2024, 12, 23)) == date(2024, 12, 26)
    assert not s.is_overdue(s.SUBMITTED, date(2025, 1, 1), date(2025, 1, 1))
    assert s.is_overdue(s.SUBMITTED, date(2025, 1, 1), date(2025, 1, 2))
    assert s.is_overdue(s.VERIFIED, date(2025, 1, 1), date(2025, 1, 2))
    assert not s.is_overdue(s.RETURNED, date(2025, 1, 1), date(2025, 2, 1))  # waits on the facility


def test_public_status_names_only_the_place_to_go() -> None:
    label, where = s.public_status(s.ISSUED, "RS Umum Daerah Bengkayang")
    assert "terbit" in label and where.endswith("RS Umum Daerah Bengkayang")
    assert s.DISDUKCAPIL_OFFICE in s.public_status(s.REJECTED, "RSUD")[1]


def test_tracking_codes_are_normalised_and_look_alikes_refused() -> None:
    assert s.tracking_code_normalise(" abcd-efgh ") == "ABCDEFGH"
    assert s.tracking_code_normalise("ABCDEFG0") == ""  # 0 is not in the alphabet
    assert s.tracking_code_normalise("ABCDEFGHJ") == ""
    assert not set("01IOL") & set(s.TRACKING_ALPHABET)
