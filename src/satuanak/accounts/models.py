"""Users, their agency (OPD) and the area they work in.

A user's area is the whole district, one kecamatan, or a set of desa (a puskesmas's service
area). The access app turns role + agency + area into what a user may read; keeping the area
on the user from the first migration means no later data migration has to guess it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from satuanak.accounts.roles import AgencyKind, Role
from satuanak.facilities.models import HealthFacility, School
from satuanak.regions.models import Desa, Kecamatan


class Agency(models.Model):
    code = models.SlugField("kode", max_length=60, unique=True)
    name = models.CharField("nama", max_length=200)
    kind = models.CharField("jenis", max_length=30, choices=AgencyKind.choices)
    # Set for agencies that are one facility or one school (a puskesmas, a school).
    health_facility = models.ForeignKey(HealthFacility, on_delete=models.PROTECT, null=True, blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "instansi"
        verbose_name_plural = "instansi"

    def __str__(self) -> str:
        return self.name


class SatuAnakUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        # The first account on a new server is the data steward: a superuser with the default
        # "public" role could not open the admin (it needs the steward's MANAGE_USERS).
        extra_fields.setdefault("role", Role.DATA_STEWARD)
        extra_fields.setdefault("area_level", "district")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class AreaLevel(models.TextChoices):
        DISTRICT = "district", "Kabupaten"
        KECAMATAN = "kecamatan", "Kecamatan"
        DESA = "desa", "Desa tertentu"

    role = models.CharField("peran", max_length=40, choices=Role.choices, default=Role.PUBLIC)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    area_level = models.CharField(
        "cakupan wilayah", max_length=10, choices=AreaLevel.choices, default=AreaLevel.DISTRICT
    )
    area_kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    area_desa = models.ManyToManyField(Desa, blank=True, related_name="users")

    objects: ClassVar[SatuAnakUserManager] = SatuAnakUserManager()

    class Meta:
        verbose_name = "pengguna"
        verbose_name_plural = "pengguna"
        constraints = [
            models.CheckConstraint(
                name="user_kecamatan_area_has_kecamatan",
                condition=~models.Q(area_level="kecamatan") | models.Q(area_kecamatan__isnull=False),
            )
        ]


class LoginFailure(models.Model):
    """One failed sign-in (wrong password or wrong second-factor code).

    Counted per lower-cased username and per client IP to lock out password guessing
    (accounts/services.py `login_lockout_status`). Rows older than the window are useless and
    are pruned by `login_failures_prune`; they are not the audit trail (that is audit.AuditEvent).
    """

    username = models.CharField("nama pengguna (huruf kecil)", max_length=150, db_index=True)
    ip = models.GenericIPAddressField("alamat IP", null=True, blank=True, db_index=True)
    at = models.DateTimeField("waktu", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "gagal masuk"
        verbose_name_plural = "gagal masuk"

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M:%S}"


class TotpDevice(models.Model):
    """A user's authenticator app (RFC 6238 TOTP, 30-second steps, 6 digits).

    Unconfirmed until the user has typed one valid code, so a half-finished enrolment never
    blocks a sign-in. `last_used_step` is the highest time step already accepted: a code for
    that step or an earlier one is refused, so a code seen over someone's shoulder cannot be
    replayed within its validity window.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    # Base32 secret. Stored as-is: the app needs it to verify codes (it cannot be hashed).
    secret = models.CharField("rahasia", max_length=64)
    created_at = models.DateTimeField("dibuat", default=timezone.now)
    confirmed_at = models.DateTimeField("dikonfirmasi", null=True, blank=True)
    last_used_step = models.BigIntegerField("langkah waktu terakhir dipakai", null=True, blank=True)

    class Meta:
        verbose_name = "perangkat 2FA"
        verbose_name_plural = "perangkat 2FA"

    def __str__(self) -> str:
        state = "aktif" if self.confirmed_at else "belum dikonfirmasi"
        return f"2FA {self.user} ({state})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
