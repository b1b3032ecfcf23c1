"""An upgraded deployment keeps working while the district records its agreements.

From this release, personal data is read only under a data-sharing agreement in force (ADR 0007).
A server that already has staff and children would otherwise lose all access at the upgrade. So,
on such a server only, this records one transitional agreement for every agency, source and
purpose, for 90 days from the upgrade: the steward sees it lapse (the 30-day warning), records
the Perbup or PKS actually signed, and access then follows those. A new server (no users yet) gets
nothing: nobody reads personal data there until an agreement is recorded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TRANSITION = timedelta(days=90)
# The codes at the time of this release (data/governance/purposes.json, sources in core.sources).
SOURCES = ["siak", "eppgbm", "imunisasi", "kia", "dapodik", "simfoni"]
PURPOSES = ["layanan", "verifikasi", "perlindungan", "perencanaan", "permintaan_subjek", "pengawasan"]
NUMBER = "PERALIHAN/SATU-DATA-ANAK"


def record_transitional_agreement(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    Child = apps.get_model("persons", "Child")
    Agreement = apps.get_model("governance", "DataSharingAgreement")
    if not (User.objects.exists() or Child.objects.exists()) or Agreement.objects.exists():
        return
    start = getattr(settings, "SATUANAK_TODAY", None) or timezone.localdate()
    Agreement.objects.create(
        number=NUMBER,
        title="Masa peralihan: akses seperti sebelum perjanjian dicatat (90 hari)",
        kind="perbup",
        legal_basis=(
            "Peralihan otomatis saat pembaruan platform; ganti dengan Perbup/PKS yang ditandatangani. "
            "/ Transitional, recorded by the upgrade; replace with the signed Perbup or PKS."
        ),
        covers_all_agencies=True,
        sources=SOURCES,
        purposes=PURPOSES,
        fields="Seperti sebelum pembaruan (tabel peran). / As before the upgrade (the role table).",
        valid_from=start,
        valid_until=start + TRANSITION,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_data_sharing_agreements"),
        ("accounts", "0003_user_manager_creates_stewards"),
        ("persons", "0002_child_takes_linkage_key_sources_and_unknown_fields"),
    ]

    operations = [migrations.RunPython(record_transitional_agreement, migrations.RunPython.noop)]
