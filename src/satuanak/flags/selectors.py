"""A child's flags, for the child's page: only the flags whose source the role may see (a
violence case is for protection officers only, like the SIMFONI record it comes from)."""

from __future__ import annotations

from typing import Any

from satuanak.access.agreements import policy_of
from satuanak.common.json_body import JsonBody, json_body
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


def flag_options_for(user: Any) -> list[dict[str, str]]:
    """The rules a role may filter children by (their source is one it may see)."""
    sources = policy_of(user).sources
    codes = [c for c, s in FLAG_SOURCES.items() if s in sources]
    seen: dict[str, dict[str, str]] = {}
    for r in FlagRule.objects.filter(code__in=codes).order_by("code", "version"):
        seen[r.code] = {"code": r.code, "title_id": r.title_id, "title_en": r.title_en}
    return list(seen.values())


def flagged_child_ids(*, user: Any, code: str) -> Any:
    """Ids of the children a rule flags in its latest quarter, as a subquery; empty for a rule
    whose source the role may not see (a violence case for a health officer)."""
    source = FLAG_SOURCES.get(code)
    if source is None or source not in policy_of(user).sources:
        return ChildFlag.objects.none().values("child_id")
    latest = ChildFlag.objects.filter(code=code).order_by("-period").values_list("period", flat=True).first()
    return ChildFlag.objects.filter(code=code, period=latest, status="flagged").values("child_id")


def child_flags_visible_to(*, user: Any, child_id: int) -> list[dict[str, Any]]:
    """Per rule the latest finding, with the earlier ones (the history) under it. The caller has
    opened the child through access_child_by_id (scoped and audited)."""
    sources = policy_of(user).sources
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


# --- public map data (aggregates only, disclosure-controlled) --------------------------------------


LATEST_RUN_KEY = "flags:latest-run"


def _latest_run_id() -> int:
    """The last finished flags run: it names the cached map bodies. Kept in the cache for a few
    seconds so that a map request touches no database (a new run sets it at once in its own
    process; other server processes see it within the timeout)."""
    from django.core.cache import cache

    from satuanak.flags.models import FlagRun

    cached = cache.get(LATEST_RUN_KEY)
    if cached is not None:
        return int(cached)
    run_id = FlagRun.objects.filter(status=FlagRun.Status.DONE).values_list("pk", flat=True).first() or 0
    cache.set(LATEST_RUN_KEY, run_id, timeout=10)
    return run_id


# Flags the public map shows per desa; violence cases stay off it (even suppressed, a desa's
# count of violence against children is too sensitive to publish; the district figure is in
# the KLA reports).
PUBLIC_MAP_FLAGS = tuple(c for c in FLAG_SOURCES if c != "violence_case")


def map_data(*, code: str, period: str | None) -> dict[str, Any] | None:
    """What the map shows for one flag and quarter: per desa and kecamatan the suppressed
    count, the rate (hidden for small denominators), the composite index and the hotspot class;
    the district figure; the choices. None when the flag or quarter is unknown.

    Built from the stored aggregates and cached per recompute (the key names the last run),
    so a page view costs a cache lookup."""
    from django.core.cache import cache

    run_id = _latest_run_id()
    key = f"map-data:{run_id}:{code}:{period or ''}"
    cached = cache.get(key)
    if cached is not None:
        return cached if cached != "missing" else None
    data = _map_data(code=code, period=period, run_id=run_id)
    cache.set(key, data if data is not None else "missing", timeout=None)
    return data


def map_data_body(*, code: str, period: str | None) -> JsonBody | None:
    """map_data as the HTTP body (JSON bytes, the same gzipped, an ETag), built once per flags
    run and kept in the cache."""
    from django.core.cache import cache

    key = f"map-body:{_latest_run_id()}:{code}:{period or ''}"
    cached = cache.get(key)
    if cached is not None:
        return JsonBody(*cached) if cached != "missing" else None
    data = map_data(code=code, period=period)
    if data is None:
        cache.set(key, "missing", timeout=None)
        return None
    body = json_body(data)
    cache.set(key, tuple(body), timeout=None)
    return body


def _map_data(*, code: str, period: str | None, run_id: int) -> dict[str, Any] | None:
    import polars as pl

    from satuanak.flags.disclosure import suppress
    from satuanak.flags.models import DesaHotspot, FlagAggregate, FlagRun

    if run_id == 0 and not FlagAggregate.objects.exists():
        # Nothing computed yet: an empty map, not an error (the page shows boundaries only).
        return {
            "kode": code,
            "periode": None,
            "periode_pilihan": [],
            "kode_pilihan": [],
            "desa": {},
            "kecamatan": {},
            "kabupaten": None,
            "tanggal_data": None,
            "pesan": "Penanda belum dihitung. / Flags have not been computed yet.",
        }
    titles = {
        r.code: {"id": r.title_id, "en": r.title_en} for r in FlagRule.objects.order_by("code", "version")
    }
    periods = sorted(
        set(FlagAggregate.objects.filter(code=code).values_list("period", flat=True)), reverse=True
    )
    if code not in titles or code not in PUBLIC_MAP_FLAGS or not periods:
        return None
    period = period or periods[0]
    if period not in periods:
        return None
    rows = list(
        FlagAggregate.objects.filter(code=code, period=period).values_list(
            "level", "area_code", "numerator", "denominator", "rate", "ci_low", "ci_high"
        )
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "level": pl.String,
            "area_code": pl.String,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "rate": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
        orient="row",
    )
    desa = suppress(
        frame.filter(pl.col("level") == "desa").with_columns(parent=pl.col("area_code").str.slice(0, 8))
    )
    kec = suppress(frame.filter(pl.col("level") == "kecamatan").with_columns(parent=pl.lit("61.07")))
    district = frame.filter(pl.col("level") == "district")
    hot = {
        d: {"index": round(i, 3), "z": round(z, 2), "p": round(p, 4), "class": c}
        for d, i, z, p, c in DesaHotspot.objects.filter(period=period).values_list(
            "desa_code", "index", "gi_star_z", "p_value", "classification"
        )
    }

    def cell(r: dict[str, Any]) -> dict[str, Any]:
        hide = r["suppressed"]
        return {
            "n": r["numerator_shown"],
            "d": r["denominator"],
            "rate": None if r["rate_shown"] is None else round(r["rate_shown"], 4),
            "lo": None if hide or r["rate_shown"] is None else round(r["ci_low"], 4),
            "hi": None if hide or r["rate_shown"] is None else round(r["ci_high"], 4),
        }

    run = FlagRun.objects.filter(pk=run_id).first()
    district_row = district.row(0, named=True) if district.height else None
    return {
        "kode": code,
        "judul": titles[code],
        "periode": period,
        "periode_pilihan": periods,
        "kode_pilihan": [{"kode": c, **t} for c, t in titles.items() if c in PUBLIC_MAP_FLAGS],
        "desa": {
            r["area_code"]: cell(r) | {"hotspot": hot.get(r["area_code"])} for r in desa.iter_rows(named=True)
        },
        "kecamatan": {r["area_code"]: cell(r) for r in kec.iter_rows(named=True)},
        "kabupaten": None
        if district_row is None
        else {
            "n": district_row["numerator"] if district_row["numerator"] >= 5 else "<5",
            "d": district_row["denominator"],
            "rate": round(district_row["rate"], 4) if district_row["denominator"] >= 10 else None,
        },
        "tanggal_data": run.as_of.isoformat() if run else None,
        "aturan": "Jumlah < 5 ditampilkan '<5'; '*' disembunyikan agar '<5' tidak dapat dihitung dari total; "
        "persentase disembunyikan bila penyebut < 10. / Counts under 5 show as '<5'; '*' is hidden so "
        "that a '<5' cannot be recovered from the total; rates are hidden when the denominator is under 10.",
    }


DASHBOARD_FLAGS = (
    "stunting",
    "wasting",
    "no_akta",
    "no_kia",
    "immunisation_incomplete",
    "out_of_school",
    "child_marriage",
    "low_birth_weight",
)


def dashboard_figures() -> list[dict[str, Any]]:
    """dashboard_figures_compute(), kept in the cache per flags run."""
    from django.core.cache import cache

    key = f"dashboard:{_latest_run_id()}"
    figures = cache.get(key)
    if figures is None:
        figures = dashboard_figures_compute()
        cache.set(key, figures, timeout=None)
    return list(figures)


def dashboard_forget() -> None:
    """Drop the cached key figures (a survey figure was entered: the survey column changes)."""
    from django.core.cache import cache

    cache.delete(f"dashboard:{_latest_run_id()}")


def dashboard_figures_compute() -> list[dict[str, Any]]:
    """The district's key figures: per flag the latest quarter's rate, the previous quarter's
    (the trend), the kecamatan that lag most (highest rates with a published denominator) and
    the survey figure beside where one is entered. Aggregates only: the public sees the same."""
    from satuanak.flags.models import FlagAggregate, SurveyFigure
    from satuanak.regions.models import Kecamatan

    names = dict(Kecamatan.objects.values_list("code", "name"))
    titles = {r.code: (r.title_id, r.title_en) for r in FlagRule.objects.order_by("code", "version")}
    out = []
    for code in DASHBOARD_FLAGS:
        district = list(
            FlagAggregate.objects.filter(code=code, level="district")
            .order_by("-period")[:2]
            .values("period", "numerator", "denominator", "rate")
        )
        if not district:
            continue
        now = district[0]
        before = district[1] if len(district) > 1 else None
        kec = FlagAggregate.objects.filter(code=code, level="kecamatan", period=now["period"])
        lag = list(
            kec.filter(denominator__gte=10)
            .exclude(numerator__lt=5)
            .order_by("-rate")[:3]
            .values_list("area_code", "rate")
        )
        survey = SurveyFigure.objects.filter(indicator=code, area_level="district").order_by("-year").first()
        out.append(
            {
                "code": code,
                "title_id": titles.get(code, (code, code))[0],
                "title_en": titles.get(code, (code, code))[1],
                "period": now["period"],
                "rate": now["rate"] if now["denominator"] >= 10 else None,
                "numerator": now["numerator"] if now["numerator"] >= 5 else "<5",
                "denominator": now["denominator"],
                "previous_period": before["period"] if before else None,
                "change": (now["rate"] - before["rate"]) if before and before["denominator"] >= 10 else None,
                "lagging": [{"code": c, "name": names.get(c, c), "rate": r} for c, r in lag],
                "survey": None
                if survey is None
                else {"source": survey.source, "value": survey.value, "year": survey.year},
            }
        )
    return out


def flags_data_date() -> Any:
    """The date the published figures hold for (the last flags run's reference date)."""
    from satuanak.flags.models import FlagRun

    return FlagRun.objects.filter(pk=_latest_run_id()).values_list("as_of", flat=True).first()
