"""API tokens and the DHIS2 mapping table.

An API token stands for one user: requests made with it are that user's requests, with that
user's role, area and audit trail (a token never widens access). Only the token's SHA-256 is
stored; the token itself is shown once, when it is made. A token can be revoked, expires, and
stops working the moment its user is deactivated.

The DHIS2 mapping says which DHIS2 data element (and category option combo) receives each of
our aggregate figures, and which org unit each desa is in the receiving instance. It is data,
loaded from data/interop/dhis2_mapping.json and editable by the steward: every DHIS2 instance
has its own identifiers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("nama (perangkat/aplikasi)", max_length=100)
    # The first characters, shown in lists so a user can tell tokens apart; not a secret.
    prefix = models.CharField("awalan", max_length=12)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("dibuat", default=timezone.now)
    expires_at = models.DateTimeField("kedaluwarsa")
    last_used_at = models.DateTimeField("terakhir dipakai", null=True, blank=True)
    revoked_at = models.DateTimeField("dicabut", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The purpose the token reads personal data for (access/purpose.py), chosen when it is made, as
    # a person chooses one per session; blank: aggregates only. Checked against the agreements in
    # force on every request, so a token outlives neither its agreement nor the purpose's place in it.
    purpose = models.CharField("tujuan", max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "token API"
        verbose_name_plural = "token API"

    def __str__(self) -> str:
        return f"token {self.prefix}…"

    def is_usable(self, at: object = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and self.expires_at > now  # type: ignore[operator]


class Dhis2DataElement(models.Model):
    """One of our figures (a flag's numerator or denominator) and where DHIS2 takes it."""

    class Measure(models.TextChoices):
        NUMERATOR = "numerator", "Pembilang / numerator"
        DENOMINATOR = "denominator", "Penyebut / denominator"

    indicator = models.CharField("indikator (kode penanda)", max_length=40)
    measure = models.CharField("ukuran", max_length=12, choices=Measure.choices)
    data_element = models.CharField("data element DHIS2 (UID atau kode)", max_length=50)
    category_option_combo = models.CharField("category option combo", max_length=50, blank=True)
    note = models.CharField("catatan", max_length=200, blank=True)

    class Meta:
        ordering = ["indicator", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "measure"], name="dhis2dataelement_one_per_figure")
        ]
        verbose_name = "pemetaan data element DHIS2"
        verbose_name_plural = "pemetaan data element DHIS2"

    def __str__(self) -> str:
        return f"{self.indicator}.{self.measure} -> {self.data_element}"


class Dhis2OrgUnit(models.Model):
    """Which DHIS2 org unit a desa (or kecamatan, or the district) is in the receiving instance."""

    area_level = models.CharField("tingkat", max_length=10)  # desa | kecamatan | district
    area_code = models.CharField("kode wilayah (Kemendagri)", max_length=20)
    org_unit = models.CharField("org unit DHIS2 (UID atau kode)", max_length=50)

    class Meta:
        ordering = ["area_level", "area_code"]
        constraints = [
            models.UniqueConstraint(fields=["area_level", "area_code"], name="dhis2orgunit_one_per_area")
        ]
        verbose_name = "pemetaan org unit DHIS2"
        verbose_name_plural = "pemetaan org unit DHIS2"

    def __str__(self) -> str:
        return f"{self.area_level} {self.area_code} -> {self.org_unit}"
