"""`satuanak demo_programmes`: a running GESIT programme and cross-agency referrals in two
kecamatan of the synthetic district, and every puskesmas somewhere on its way to child-friendly
(PRAP) status, 3-in-1 birth declarations in every state and the mobile unit's plan for the next
quarter, entered through the same services the pages use; and the default DHIS2 mapping."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.adminduk.demo import adminduk_demo_load
from satuanak.applications.demo import applications_demo_load
from satuanak.cegah.demo import cegah_demo_load
from satuanak.flags.models import ChildFlag
from satuanak.gesit.demo import gesit_demo_load
from satuanak.halo.demo import halo_demo_load
from satuanak.interop.dhis2.services import dhis2_mapping_load
from satuanak.jempol.demo import jempol_demo_load
from satuanak.kemitraan.demo import kemitraan_demo_load
from satuanak.kla.demo import kla_demo_load
from satuanak.partisipasi.demo import partisipasi_demo_load
from satuanak.prap.demo import prap_demo_load
from satuanak.referrals.demo import referrals_demo_load
from satuanak.remaja.demo import remaja_demo_load

# Sungai Raya (Puskesmas Sungai Duri, where the demo's cadre works) and Samalantan.
KECAMATAN = ("61.07.01", "61.07.02")


class Command(BaseCommand):
    help = "Muat GESIT, rujukan dan PRAP demo / load the demo GESIT programme, referrals and PRAP"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reference-date", type=date.fromisoformat, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if not ChildFlag.objects.exists():
            raise CommandError(
                "Penanda belum dihitung; jalankan `satuanak flags recompute` dulu / "
                "flags not computed; run `satuanak flags recompute` first"
            )
        when = options["reference_date"]
        gesit = gesit_demo_load(reference_date=when, kecamatan_codes=KECAMATAN)
        referrals = referrals_demo_load(reference_date=when, kecamatan_codes=KECAMATAN)
        prap = prap_demo_load(reference_date=when)
        adminduk = adminduk_demo_load(reference_date=when)
        jempol = jempol_demo_load(reference_date=when)
        applications = applications_demo_load(reference_date=when)
        kla = kla_demo_load(reference_date=when)
        cegah = cegah_demo_load(reference_date=when)
        halo = halo_demo_load(reference_date=when)
        remaja = remaja_demo_load(reference_date=when)
        kemitraan = kemitraan_demo_load(reference_date=when)
        partisipasi = partisipasi_demo_load(reference_date=when)
        dhis2 = dhis2_mapping_load()  # the default mapping, so the DHIS2 export works out of the box
        self.stdout.write("GESIT: " + ", ".join(f"{k} {v}" for k, v in gesit.items()))
        self.stdout.write("Rujukan / referrals: " + ", ".join(f"{k} {v}" for k, v in referrals.items()))
        self.stdout.write("PRAP: " + ", ".join(f"{k} {v}" for k, v in prap.items()))
        self.stdout.write("3-in-1: " + ", ".join(f"{k} {v}" for k, v in adminduk.items()))
        self.stdout.write("Jempol: " + ", ".join(f"{k} {v}" for k, v in jempol.items()))
        self.stdout.write(
            "Permohonan / applications: " + ", ".join(f"{k} {v}" for k, v in applications.items())
        )
        self.stdout.write("KLA: " + ", ".join(f"{k} {v}" for k, v in kla.items()))
        self.stdout.write("CEGAH DINI: " + ", ".join(f"{k} {v}" for k, v in cegah.items()))
        self.stdout.write("Remaja: " + ", ".join(f"{k} {v}" for k, v in remaja.items()))
        self.stdout.write(
            "Forum Anak 2P, Musrenbang: " + ", ".join(f"{k} {v}" for k, v in partisipasi.items())
        )
        self.stdout.write("IKM, APSAI, dana: " + ", ".join(f"{k} {v}" for k, v in kemitraan.items()))
        self.stdout.write("Halo Remaja: " + ", ".join(f"{k} {v}" for k, v in halo.items()))
        self.stdout.write(
            "DHIS2: " + ", ".join(f"{k} {v}" for k, v in dhis2.items() if not isinstance(v, list))
        )
