"""A child's flags, for the child's page: only the flags whose source the role may see (a
violence case is for protection officers only, like the SIMFONI record it comes from)."""

from __future__ import annotations

from typing import Any

from satuanak.access.policy import policy_for
from satuanak.core.sources import Source
from satuanak.flags.models import ChildFlag, FlagRule

FLAG_SOURCES: dict[str, Source] = {
    "stunting": Source.EPPGBM,
    "wasting": Source.EPPGBM,
    "underweight": Source.EPPGBM,
    "overweight": Source.EPPGBM,
    "immunisation_incomplete": Source.IMUNISASI,
    "low_birth_weight": Source.KIA,
    "mother_kek": Source.KIA,
    "no_akta": Source.SIAK,
    "no_kia": Source.SIAK,
    "child_marriage": Source.SIAK,
    "not_in_siak": Source.SIAK,
    "out_of_school": Source.DAPODIK,
    "violence_case": Source.SIMFONI,
}


def child_flags_visible_to(*, user: Any, child_id: int) -> list[dict[str, Any]]:
    """Per rule the latest finding, with the earlier ones (the history) under it. The caller has
    opened the child through access_child_by_id (scoped and audited)."""
    sources = policy_for(getattr(user, "role", "")).sources
    codes = [c for c, s in FLAG_SOURCES.items() if s in sources]
    titles = {r.code: (r.title_id, r.title_en) for r in FlagRule.objects.filter(code__in=codes)}
    by_code: dict[str, list[ChildFlag]] = {}
    for flag in ChildFlag.objects.filter(child_id=child_id, code__in=codes).order_by("code", "-period"):
        by_code.setdefault(flag.code, []).append(flag)
    out = []
    for code, flags in by_code.items():
        title_id, title_en = titles.get(code, (code, code))
        out.append(
            {
                "code": code,
                "title_id": title_id,
                "title_en": title_en,
                "latest": flags[0],
                "history": flags[1:],
            }
        )
    # flagged first, then not assessable, then clear
    order = {"flagged": 0, "not_assessable": 1, "clear": 2}
    return sorted(out, key=lambda f: (order.get(f["latest"].status, 3), f["code"]))
