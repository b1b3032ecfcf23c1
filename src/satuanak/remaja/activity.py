"""When a Posyandu Remaja counts as active. Pure: no Django.

The seed report (section 3.2 and its roadmap) targets "Posyandu Remaja aktif di 50% desa" but
does not define "active". The rule used here, as one constant the district can change:

    A Posyandu Remaja is ACTIVE on a day D when, within the 3 calendar months ending on D
    (D minus 3 months, exclusive, to D, inclusive), it held at least 1 session at which at
    least 2 trained cadres were present.

It is active "in a quarter" when it is active on the quarter's last day. Trained cadres are
counted per session (recorded with the session), not from today's roster, so a past quarter's
status does not change when cadres are trained or leave later. A desa "has an active Posyandu
Remaja" when at least one of its Posyandu Remaja is active.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from satuanak.remaja.periods import months_before


@dataclass(frozen=True)
class ActivityRule:
    window_months: int
    min_sessions: int
    min_trained_cadres: int

    def describe(self) -> str:
        return (
            f"aktif bila dalam {self.window_months} bulan terakhir ada ≥{self.min_sessions} pertemuan "
            f"dengan ≥{self.min_trained_cadres} kader terlatih hadir / active when it held "
            f"≥{self.min_sessions} session(s) with ≥{self.min_trained_cadres} trained cadres in the "
            f"last {self.window_months} months"
        )


ACTIVITY_RULE = ActivityRule(window_months=3, min_sessions=1, min_trained_cadres=2)


@dataclass(frozen=True)
class SessionFact:
    held_on: date
    trained_cadres: int


def is_active(sessions: Iterable[SessionFact], on: date, rule: ActivityRule = ACTIVITY_RULE) -> bool:
    start = months_before(on, rule.window_months)
    qualifying = sum(
        1 for s in sessions if start < s.held_on <= on and s.trained_cadres >= rule.min_trained_cadres
    )
    return qualifying >= rule.min_sessions
