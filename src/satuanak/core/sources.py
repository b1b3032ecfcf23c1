"""The sectoral systems whose exports the platform takes in (BRIEF.md, part 2)."""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    SIAK = "siak"  # Disdukcapil civil registry: identity, family, akta, KIA
    EPPGBM = "eppgbm"  # Dinkes nutrition: posyandu measurements
    IMUNISASI = "imunisasi"  # immunisation doses
    KIA = "kia"  # maternal care: pregnancies, ANC, deliveries
    DAPODIK = "dapodik"  # schools: enrolment
    SIMFONI = "simfoni"  # Dinsos P3A / UPTD PPA: violence cases against children (highly sensitive)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Source.SIAK: "SIAK (Disdukcapil)",
    Source.EPPGBM: "e-PPGBM (gizi)",
    Source.IMUNISASI: "Imunisasi",
    Source.KIA: "Kesehatan ibu dan anak",
    Source.DAPODIK: "DAPODIK (sekolah)",
    Source.SIMFONI: "SIMFONI PPA (kasus kekerasan)",
}
