"""The request rules as tables, without a database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from satuanak.applications import states as s

OFF, SUB = s.OFFICER, s.SUBMITTER


@pytest.mark.parametrize(
    ("from_state", "to_state", "actor", "allowed"),
    [
        (s.DRAFT, s.RECEIVED, SUB, True),
        (s.RECEIVED, s.IN_PROCESS, OFF, True),
        (s.RECEIVED, s.RETURNED, OFF, True),
        (s.RECEIVED, s.REJECTED, OFF, True),
        (s.IN_PROCESS, s.DONE, OFF, True),
        (s.IN_PROCESS, s.RETURNED, OFF, True),
        (s.RETURNED, s.RESUBMITTED, SUB, True),
        (s.RETURNED, s.REJECTED, OFF, True),
        (s.RESUBMITTED, s.IN_PROCESS, OFF, True),
        (s.RESUBMITTED, s.RETURNED, OFF, True),
        (s.DRAFT, s.RECEIVED, OFF, False),  # the officer does not submit for the school
        (s.RETURNED, s.RESUBMITTED, OFF, False),  # nor resubmit for it
        (s.RECEIVED, s.IN_PROCESS, SUB, False),  # the submitter does not process
        (s.RECEIVED, s.DONE, OFF, False),  # no issuing before verifying
        (s.DRAFT, s.IN_PROCESS, OFF, False),
        (s.RETURNED, s.DONE, OFF, False),  # a returned request comes back first
        (s.IN_PROCESS, s.RECEIVED, OFF, False),
        (s.DONE, s.RETURNED, OFF, False),  # nothing leaves a final state
        (s.REJECTED, s.RESUBMITTED, SUB, False),
        (s.RECEIVED, "lost", OFF, False),
    ],
)
def test_the_transitions_table(from_state: str, to_state: str, actor: str, allowed: bool) -> None:
    kwargs = {
        "reason_code": "other",
        "requested": (s.AKTA,),
        "issued": {s.AKTA: "6107-LT-01012024-0001"},
    }
    if allowed:
        s.transition_check(from_state, to_state, actor=actor, **kwargs)  # type: ignore[arg-type]
    else:
        with pytest.raises(s.TransitionError, match=" / "):
            s.transition_check(from_state, to_state, actor=actor, **kwargs)  # type: ignore[arg-type]


def test_returning_and_rejecting_need_a_known_reason() -> None:
    with pytest.raises(s.TransitionError, match="alasan pengembalian"):
        s.transition_check(s.RECEIVED, s.RETURNED, actor=OFF)
    with pytest.raises(s.TransitionError, match="alasan penolakan"):
        s.transition_check(
            s.RECEIVED, s.REJECTED, actor=OFF, reason_code="missing_kk_copy"
        )  # a return reason
    s.transition_check(s.RECEIVED, s.RETURNED, actor=OFF, reason_code="missing_kk_copy")


def test_done_needs_the_number_of_every_requested_document() -> None:
    with pytest.raises(s.TransitionError, match="Nomor KIA wajib"):
        s.transition_check(
            s.IN_PROCESS, s.DONE, actor=OFF, requested=(s.AKTA, s.KIA), issued={s.AKTA: "6107-LT-1"}
        )
    with pytest.raises(s.TransitionError, match="hanya huruf"):
        s.transition_check(s.IN_PROCESS, s.DONE, actor=OFF, requested=(s.AKTA,), issued={s.AKTA: "<script>"})
    with pytest.raises(s.TransitionError, match="tidak jelas"):
        s.transition_check(s.IN_PROCESS, s.DONE, actor=OFF, requested=())
    numbers = s.transition_check(
        s.IN_PROCESS,
        s.DONE,
        actor=OFF,
        requested=(s.KIA,),
        issued={s.KIA: " 6107-kia-01 ", s.AKTA: "ignored"},
    )
    assert numbers == {s.KIA: "6107-KIA-01"}


def test_final_states_and_the_table_cover_every_state() -> None:
    assert {s.DONE, s.REJECTED} == s.FINAL
    assert set(s.TRANSITIONS) == set(s.STATES) == set(s.LABELS)
    assert all(s.allowed_next(x) == () for x in s.FINAL)
    assert s.allowed_next(s.RETURNED, s.SUBMITTER) == (s.RESUBMITTED,)
    assert s.allowed_next(s.RETURNED, s.OFFICER) == (s.REJECTED,)
    with pytest.raises(s.TransitionError):
        s.allowed_next("lost")


@pytest.mark.parametrize(
    ("requested", "present", "missing"),
    [
        ((s.AKTA,), (), (s.BIRTH_LETTER, s.KK_COPY, s.PARENT_ID)),
        ((s.AKTA, s.KIA), (s.BIRTH_LETTER,), (s.KK_COPY, s.PARENT_ID)),
        ((s.KIA,), (s.KK_COPY, s.PARENT_ID, s.OTHER), ()),
        ((s.KIA,), (s.BIRTH_LETTER,), (s.KK_COPY, s.PARENT_ID)),
    ],
)
def test_missing_attachments(
    requested: tuple[str, ...], present: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    assert s.missing_attachments(requested, present) == missing


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((), s.REQUEST_DRAFT),
        ((s.DRAFT, s.DRAFT), s.REQUEST_DRAFT),
        ((s.RECEIVED, s.DONE), s.REQUEST_SUBMITTED),
        ((s.RETURNED, s.REJECTED), s.REQUEST_SUBMITTED),
        ((s.DONE, s.REJECTED), s.REQUEST_CLOSED),
    ],
)
def test_the_state_of_a_whole_school_request(states: tuple[str, ...], expected: str) -> None:
    assert s.request_state_for(states) == expected


def test_tracking_codes_read_back_however_typed() -> None:
    code = "7K2MXPQR9A"
    assert s.code_is_wellformed(code)
    assert s.code_display(code) == "ADG-7K2MX-PQR9A"
    for typed in ("ADG-7K2MX-PQR9A", "adg 7k2mx pqr9a", " 7k2mx-pqr9a "):
        assert s.code_normalise(typed) == code
    assert not s.code_is_wellformed(s.code_normalise("ADG-7K2MX-PQR9O"))  # O is not in the alphabet
    assert not s.code_is_wellformed(s.code_normalise("ADG-7K2MX"))
    assert not set("01OIL") & set(s.CODE_ALPHABET)


def test_the_states_module_needs_no_django() -> None:
    tree = ast.parse(Path(s.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported and not any(m.startswith(("django", "satuanak")) for m in imported), imported
