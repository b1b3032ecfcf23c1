"""The roles of the brief's "who uses it" table, in one place.

What each role may see (sources, areas) is declared by the access app built on these names;
this module only names the roles and the agency kinds they belong to.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    DATA_STEWARD = "data_steward", "Pengelola data (Diskominfo)"
    HEALTH_OFFICER = "health_officer", "Petugas kesehatan (Dinkes)"
    PUSKESMAS_STAFF = "puskesmas_staff", "Petugas puskesmas"
    CIVIL_REGISTRY_OFFICER = "civil_registry_officer", "Petugas Disdukcapil"
    EDUCATION_OFFICER = "education_officer", "Petugas Disdikbud"
    SCHOOL_DUTA_ADMINDUK = "school_duta_adminduk", "Duta Adminduk sekolah"
    PROTECTION_OFFICER = "protection_officer", "Petugas perlindungan anak (Dinsos P3A / UPTD PPA)"
    PLANNER = "planner", "Perencana / Gugus Tugas KLA (Bappeda)"
    BIRTH_OPERATOR = "birth_operator", "Operator kelahiran faskes"
    CADRE = "cadre", "Kader posyandu / TPK"
    PUBLIC = "public", "Publik / Forum Anak"


class AgencyKind(models.TextChoices):
    DISKOMINFO = "diskominfo", "Dinas Komunikasi dan Informatika"
    DINKES = "dinkes", "Dinas Kesehatan dan KB"
    PUSKESMAS = "puskesmas", "Puskesmas"
    DISDUKCAPIL = "disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"
    DISDIKBUD = "disdikbud", "Dinas Pendidikan dan Kebudayaan"
    SCHOOL = "school", "Sekolah"
    DINSOS_P3A = "dinsos_p3a", "Dinas Sosial, P3A"
    BAPPEDA = "bappeda", "Bappeda / Gugus Tugas KLA"
    HEALTH_FACILITY = "health_facility", "Fasilitas kesehatan (RSUD, klinik, bidan)"
    POSYANDU = "posyandu", "Posyandu / TPK"
    PUBLIC = "public", "Masyarakat"
