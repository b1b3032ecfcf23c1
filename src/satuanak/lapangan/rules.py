"""The stated rules of synchronisation: what happens when what a phone sends meets what the
server already holds. Shown on the phone (its "Aturan sinkron" panel) and on the conflict list,
and applied by services.py. Pure: no Django.

Never silently overwrite: a value the server holds from another source is only replaced by a
person's decision, on the conflict list (rule `berbeda`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Two weighings agree when they differ by less than the scales' and boards' own resolution
# (e-PPGBM records weight to 0.1 kg and length to 0.1 cm).
WEIGHT_TOLERANCE_KG = 0.05
HEIGHT_TOLERANCE_CM = 0.05


@dataclass(frozen=True)
class Rule:
    code: str
    title_id: str
    title_en: str
    text_id: str
    text_en: str


RULES: tuple[Rule, ...] = (
    Rule(
        "sekali",
        "Sekali saja",
        "Once only",
        "Setiap catatan membawa nomor unik dari perangkat. Dikirim berapa kali pun (jaringan putus, "
        "aplikasi ditutup), server menyimpannya sekali dan memberi jawaban yang sama.",
        "Every record carries the phone's unique id. However often it is sent (a dropped link, the "
        "app closed), the server stores it once and gives the same answer.",
    ),
    Rule(
        "sama",
        "Sudah ada",
        "Already there",
        "Penimbangan anak yang sama pada tanggal yang sama dengan nilai yang sama (dari sumber mana "
        "pun) tidak dicatat dua kali; perangkat menampilkan 'sudah ada'.",
        "A weighing of the same child on the same date with the same values (from any source) is "
        "not recorded twice; the phone shows 'already there'.",
    ),
    Rule(
        "berbeda",
        "Nilai berbeda: tidak ditimpa",
        "Different values: not overwritten",
        "Jika server sudah punya penimbangan anak itu pada tanggal itu dengan nilai lain dari "
        "sumber lain (perangkat lain, berkas e-PPGBM), nilai server tetap. Nilai perangkat masuk "
        "daftar konflik; petugas puskesmas atau pengelola data memutuskan, dan perangkat melihat "
        "kedua nilai serta keputusannya.",
        "If the server already holds a weighing of that child on that date with other values from "
        "another source (another phone, an e-PPGBM file), the server's value stays. The phone's "
        "value goes to the conflict list; puskesmas staff or the data steward decide, and the "
        "phone sees both values and the decision.",
    ),
    Rule(
        "koreksi",
        "Koreksi sendiri",
        "Own correction",
        "Catatan baru dari perangkat yang sama untuk anak dan tanggal yang sama adalah koreksi "
        "kader atas catatannya sendiri: menggantikannya, melalui pemeriksaan yang sama.",
        "A later record from the same phone for the same child and date is the cadre's correction "
        "of her own record: it replaces it, through the same checks.",
    ),
    Rule(
        "identitas",
        "Identitas anak milik server",
        "The child's identity is the server's",
        "Nama, jenis kelamin dan tanggal lahir anak berasal dari server (SIAK dan penautan). Jika "
        "berubah sejak perangkat mengunduhnya, catatan disimpan dengan data server dan perangkat "
        "diberi tahu apa yang berubah.",
        "A child's name, sex and birth date come from the server (SIAK and linkage). If they "
        "changed since the phone downloaded them, the record is kept with the server's facts and "
        "the phone is told what changed.",
    ),
    Rule(
        "kegiatan",
        "Kegiatan yang sama",
        "The same activity",
        "Intervensi jenis yang sama untuk anak yang sama pada tanggal mulai yang sama, atau "
        "kunjungan unit keliling ke desa yang sama pada tanggal yang sama, yang sudah ada di "
        "server tidak dicatat lagi ('sudah ada'). Laporan kelahiran diperiksa seperti di halaman.",
        "An intervention of the same kind for the same child on the same start date, or a mobile "
        "unit visit to the same desa on the same date, already on the server is not recorded "
        "again ('already there'). Birth declarations are checked as on the page.",
    ),
)
RULES_BY_CODE = {r.code: r for r in RULES}


@dataclass(frozen=True)
class Weighing:
    weight_kg: float | None
    height_cm: float | None
    source: str  # for people: "perangkat #3 (kader_x)", "berkas e-PPGBM (batch 12)"
    own: bool = False  # from the very phone now sending
    posyandu: str = ""  # where it was recorded (part of the e-PPGBM record's key)


@dataclass(frozen=True)
class Decision:
    outcome: str  # "new" | "same" | "conflict" | "correction"
    rule: str  # RULES code
    against: Weighing | None = None


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < tolerance


def same_values(a: Weighing, b: Weighing) -> bool:
    return _close(a.weight_kg, b.weight_kg, WEIGHT_TOLERANCE_KG) and _close(
        a.height_cm, b.height_cm, HEIGHT_TOLERANCE_CM
    )


def measurement_decision(sent: Weighing, held: Sequence[Weighing]) -> Decision:
    """What to do with a weighing the phone sent, given what the server holds for the same child
    and date (in the order they reached the server)."""
    foreign = [h for h in held if not h.own]
    for h in foreign:
        if not same_values(sent, h):
            return Decision("conflict", "berbeda", h)
    if foreign:
        return Decision("same", "sama", foreign[-1])
    own = [h for h in held if h.own]
    if own:
        if same_values(sent, own[-1]):
            return Decision("same", "sama", own[-1])
        return Decision("correction", "koreksi", own[-1])
    return Decision("new", "sekali")
