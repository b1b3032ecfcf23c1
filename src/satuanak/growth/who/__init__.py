"""WHO Child Growth Standards 2006 (0-60 months), as adopted by Permenkes 2/2020."""

from satuanak.growth.who.zscore import (
    BIV_LIMITS,
    MAX_AGE_DAYS,
    bmi_for_age_z,
    length_height_for_age_z,
    weight_for_age_z,
    weight_for_length_height_z,
)

__all__ = [
    "BIV_LIMITS",
    "MAX_AGE_DAYS",
    "bmi_for_age_z",
    "length_height_for_age_z",
    "weight_for_age_z",
    "weight_for_length_height_z",
]
