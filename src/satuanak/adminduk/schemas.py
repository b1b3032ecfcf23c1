"""The fields of a birth declaration as it arrives from outside the pages (the API, the field
app): one definition, so both take the same shape before `declaration_create` checks it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class DeclarationFields(BaseModel):
    baby_name: str = Field(..., max_length=200)
    baby_sex: Literal["L", "P"]
    birth_at: datetime
    birth_place: str = Field(..., max_length=200)
    weight_g: int = Field(..., ge=0, le=10_000)
    length_cm: float = Field(..., ge=0, le=100, allow_inf_nan=False)
    mother_nik: str = Field("", max_length=32)
    mother_name: str = Field(..., max_length=200)
    mother_not_in_siak: bool = False
    father_nik: str = Field("", max_length=32)
    father_name: str = Field("", max_length=200)
    father_not_in_siak: bool = False
    kk_number: str = Field("", max_length=32)
    desa_code: str = Field("", max_length=13)
    address: str = Field("", max_length=200)
    multiple_birth: bool = False
    note: str = Field("", max_length=2000)
