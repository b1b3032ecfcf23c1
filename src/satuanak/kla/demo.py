"""The demo's KLA picture: the shipped indicator set, and values the agencies entered (with a
small generated PDF as evidence) for the indicators no platform source feeds, for the last two
complete quarters before the reference date. The platform-fed indicators take their values
from the other demos (flags, PRAP, referrals, the KIA delivery register).

Needs the demo users (demo/services.py `demo_users_create`): the planner (`bappeda`) enters the
task force's own figures, `dinkes` the health ones, `ppa` the protection ones. Idempotent: a
code and quarter that already has a value is left alone. Synthetic figures, made up for the
demo.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from satuanak.kla.models import EnteredValue
from satuanak.kla.selectors import period_bounds, period_of, previous_period
from satuanak.kla.services import kla_indicators_load, kla_value_enter
from satuanak.prap.demo import demo_pdf

# code: (user, value now, value a quarter before, numerator/denominator now or None, note)
DEMO_VALUES: dict[str, tuple[str, float, float, tuple[int, int] | None, str]] = {
    "K-01": ("bappeda", 60, 60, None, "Perda KLA ditetapkan; peraturan pelaksana belum lengkap"),
    "K-02": ("bappeda", 75, 70, None, "SK Gugus Tugas KLA dan RAD KLA; anggaran sebagian"),
    "K-03": ("bappeda", 55, 50, None, "APSAI terbentuk; media mitra 2"),
    "I-05": ("bappeda", 50, 45, None, "Pojok baca ramah anak di 6 kecamatan"),
    "I-06": ("ppa", 40.32, 35.48, (50, 124), "Forum Anak aktif di 50 dari 124 desa"),
    "II-08": ("ppa", 1, 1, None, "PUSPAGA kabupaten beroperasi"),
    "II-09": ("ppa", 50, 50, None, "2 LKSA, 1 terakreditasi"),
    "III-12": ("dinkes", 38.5, 36.0, None, "Laporan gizi Dinkes (ASI eksklusif bayi < 6 bulan)"),
    "III-14": ("dinkes", 62, 60, None, "STBM: akses air minum dan sanitasi layak"),
    "III-15": ("dinkes", 45, 40, None, "Perbup KTR; penegakan terbatas"),
    "IV-16": ("bappeda", 34.68, 30.65, (43, 124), "PAUD HI di 43 dari 124 desa (data Disdikbud)"),
    "IV-18": ("bappeda", 20, 15, None, "SRA ditetapkan (data Disdikbud)"),
    "IV-19": ("bappeda", 40, 40, None, "RBRA di 3 kecamatan"),
    "V-21": ("ppa", 50, 45, None, "Penarikan pekerja anak bersama Disnakertrans"),
    "V-22": ("ppa", 60, 55, None, "Layanan korban NAPZA/HIV bersama Dinkes dan BNN"),
    "V-23": ("bappeda", 40, 35, None, "Rencana kontinjensi BPBD memuat layanan anak"),
}


class _Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data, self.size = name, data, len(data)

    def read(self, size: int = -1, /) -> bytes:
        return self.data if size < 0 else self.data[:size]


@transaction.atomic
def kla_demo_load(*, reference_date: date) -> dict[str, Any]:
    kla_indicators_load()
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["bappeda", "dinkes", "ppa"])
    }
    # The reference date's quarter when it is over (the demo's 2024-12-31 closes 2024Q4), else
    # the last full quarter: values are entered for quarters that have ended.
    current = period_of(reference_date)
    now = current if reference_date == period_bounds(current)[1] else previous_period(current)
    before = previous_period(now)
    counts: dict[str, Any] = {"periods": f"{before},{now}", "values": 0, "evidence": 0}
    for code, (username, value_now, value_before, fraction, note) in DEMO_VALUES.items():
        user = users.get(username)
        if user is None:
            continue
        for period, value in ((before, value_before), (now, value_now)):
            if EnteredValue.objects.filter(code=code, period=period).exists():
                continue
            pdf = demo_pdf(f"KLA {code} {period}: {value:g} - {note}")
            kla_value_enter(
                user=user,
                code=code,
                period=period,
                value=value,
                numerator=fraction[0] if fraction and period == now else None,
                denominator=fraction[1] if fraction and period == now else None,
                data_date=period_bounds(period)[1],
                note=f"{note} (data demo sintetis / synthetic demo data)",
                files=[_Upload(f"kla-{code.lower()}-{period.lower()}.pdf", pdf)],
            )
            counts["values"] += 1
            counts["evidence"] += 1
    return counts
