"""The DHIS2 aggregate export: load the mapping into its tables, build a quarter's data value set.

Where the mapping lives. data/interop/dhis2_mapping.json ships the default (our proposed
codes; each desa's org unit coded by its Kemendagri code). `dhis2_mapping_load` writes it into
Dhis2DataElement and Dhis2OrgUnit, one row per figure kind and one per area, so that the
steward can correct a single desa or data element in the admin. The export reads those rows.
The id schemes and the data set are not in the tables: the export reads them from the file.

Who wins. A row already in the tables is the steward's: loading again adds what is missing
and keeps rows whose identifier differs from the file (reported as `kept`), the way
`flag_rules_load` keeps the district's edits. `replace=True` (`--replace`) makes the file win,
for when the file itself was edited (a new instance, a switch to UIDs). Either way, loading
twice changes nothing the second time.

What is sent. FlagAggregate's numerator and denominator per area, exact counts, not the
suppressed figures of the public map: the receiving instance is another government system,
covered by a data-sharing agreement, and the API gates this with EXPORT_AGGREGATES. We build
the payload; we never call DHIS2 (docs/interop/dhis2.md shows the POST to make).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from satuanak.flags.models import FlagAggregate, FlagRule
from satuanak.interop.dhis2.mapping import (
    LEVELS,
    DataElementTarget,
    Dhis2Error,
    Dhis2Mapping,
    Figure,
    MappingFile,
    data_value_set_build,
    dhis2_period,
    import_query,
    mapping_file_parse,
    org_unit_from_rule,
)
from satuanak.interop.models import Dhis2DataElement, Dhis2OrgUnit
from satuanak.regions.models import Desa, Kecamatan
from satuanak.regions.services import KABUPATEN_CODE

__all__ = ["Dhis2Error", "data_value_set", "dhis2_mapping_load", "mapping_file_default", "mapping_file_read"]


def mapping_file_default() -> Path:
    return Path(settings.SATUANAK_DATA_DIR) / "interop" / "dhis2_mapping.json"


def mapping_file_read(path: Path | None = None) -> MappingFile:
    """The mapping file, parsed and checked (Dhis2Error for a missing or malformed file)."""
    path = path or mapping_file_default()
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Dhis2Error(
            "mapping_file_missing",
            f"Berkas pemetaan DHIS2 tidak ada: {path}",
            f"DHIS2 mapping file not found: {path}",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Dhis2Error(
            "mapping_file_unreadable",
            f"Berkas pemetaan DHIS2 tidak terbaca ({path}): {exc}",
            f"DHIS2 mapping file cannot be read ({path}): {exc}",
        ) from None
    return mapping_file_parse(spec)


def _area_codes(level: str) -> list[str]:
    if level == "desa":
        return list(Desa.objects.order_by("code").values_list("code", flat=True))
    if level == "kecamatan":
        return list(Kecamatan.objects.order_by("code").values_list("code", flat=True))
    return [KABUPATEN_CODE]


def _tally() -> dict[str, int]:
    return {"created": 0, "updated": 0, "kept": 0, "unchanged": 0}


@transaction.atomic
def dhis2_mapping_load(path: Path | None = None, *, replace: bool = False) -> dict[str, Any]:
    """Write the mapping file into Dhis2DataElement and Dhis2OrgUnit.

    Org units: a level's rule (e.g. desa -> kemendagri_code) gives a row for every area of that
    level in the regions tables; `org_unit_overrides` replace single areas. Existing rows that
    differ from the file are kept unless `replace`. Returns counts per table and the kept rows
    (so the steward sees where the tables and the file disagree)."""
    spec = mapping_file_read(path)
    report: dict[str, Any] = {
        "file": str(path or mapping_file_default()),
        "version": spec.version,
        "data_elements": _tally(),
        "org_units": _tally(),
        "kept": [],
    }

    de_rows = {(r.indicator, r.measure): r for r in Dhis2DataElement.objects.all()}
    for key, target in sorted(spec.mapping.data_elements.items()):
        want = {
            "data_element": target.data_element,
            "category_option_combo": target.category_option_combo,
            "note": spec.notes.get(key, "")[:200],
        }
        row = de_rows.get(key)
        tally = report["data_elements"]
        if row is None:
            Dhis2DataElement.objects.create(indicator=key[0], measure=key[1], **want)
            tally["created"] += 1
        elif all(getattr(row, k) == v for k, v in want.items()):
            tally["unchanged"] += 1
        elif replace:
            for k, v in want.items():
                setattr(row, k, v)
            row.save(update_fields=list(want))
            tally["updated"] += 1
        else:
            tally["kept"] += 1
            report["kept"].append(
                {
                    "table": "data_element",
                    "entry": f"{key[0]}.{key[1]}",
                    "in_table": row.data_element,
                    "in_file": target.data_element,
                }
            )

    wanted: dict[tuple[str, str], str] = {}
    for level, rule in sorted(spec.org_unit_rules.items()):
        for code in _area_codes(level):
            wanted[(level, code)] = org_unit_from_rule(rule, code)
    wanted.update(spec.mapping.org_units)  # explicit overrides beat the rule
    ou_rows = {(r.area_level, r.area_code): r for r in Dhis2OrgUnit.objects.all()}
    to_create = []
    for (level, code), org_unit in sorted(wanted.items()):
        ou_row = ou_rows.get((level, code))
        tally = report["org_units"]
        if ou_row is None:
            to_create.append(Dhis2OrgUnit(area_level=level, area_code=code, org_unit=org_unit))
            tally["created"] += 1
        elif ou_row.org_unit == org_unit:
            tally["unchanged"] += 1
        elif replace:
            ou_row.org_unit = org_unit
            ou_row.save(update_fields=["org_unit"])
            tally["updated"] += 1
        else:
            tally["kept"] += 1
            report["kept"].append(
                {
                    "table": "org_unit",
                    "entry": f"{level} {code}",
                    "in_table": ou_row.org_unit,
                    "in_file": org_unit,
                }
            )
    Dhis2OrgUnit.objects.bulk_create(to_create)
    return report


def _mapping_from_tables(spec: MappingFile) -> Dhis2Mapping:
    return Dhis2Mapping(
        data_elements={
            (r.indicator, r.measure): DataElementTarget(r.data_element, r.category_option_combo)
            for r in Dhis2DataElement.objects.all()
        },
        org_units={(r.area_level, r.area_code): r.org_unit for r in Dhis2OrgUnit.objects.all()},
        data_element_scheme=spec.mapping.data_element_scheme,
        org_unit_scheme=spec.mapping.org_unit_scheme,
        category_option_combo_scheme=spec.mapping.category_option_combo_scheme,
        data_set_scheme=spec.mapping.data_set_scheme,
    )


def data_value_set(
    *,
    period: str,
    level: str = "desa",
    indicators: list[str] | None = None,
    data_set: str | None = None,
    complete_date: date | None = None,
    mapping_file: Path | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dataValueSets payload of one period and level from the stored aggregates, and a
    report: what was sent, what could not be (unmapped, by indicator and by area), the id
    schemes and the query string to POST with. `data_set` overrides the file's (pass "" to
    send none). Dhis2Error for a bad period, level or indicator, a period without aggregates,
    an empty mapping or an identifier that does not fit its scheme."""
    dhis2_pe, period_type = dhis2_period(period)
    if level not in LEVELS:
        raise Dhis2Error(
            "invalid_level",
            f"Tingkat tidak sah: {level[:20]!r} (desa, kecamatan atau district).",
            f"Invalid level: {level[:20]!r} (desa, kecamatan or district).",
        )
    if indicators is not None:
        known = set(FlagRule.objects.values_list("code", flat=True))
        unknown = sorted(set(indicators) - known)
        if unknown:
            raise Dhis2Error(
                "unknown_indicator",
                f"Indikator tidak dikenal: {', '.join(unknown)[:200]}.",
                f"Unknown indicator(s): {', '.join(unknown)[:200]}.",
            )

    rows = FlagAggregate.objects.filter(period=dhis2_pe, level=level)
    if indicators is not None:
        rows = rows.filter(code__in=indicators)
    aggregates = list(
        rows.order_by("code", "area_code").values_list("code", "area_code", "numerator", "denominator")
    )
    if not aggregates:
        available = sorted(set(FlagAggregate.objects.values_list("period", flat=True)), reverse=True)[:8]
        shown = ", ".join(available) or "-"
        # Flags are computed per quarter; a year is exported only if aggregates were stored for
        # it. Summing quarters would count a child once per quarter, so we do not.
        hint_id = " Agregat dihitung per triwulan (mis. 2024Q4)." if period_type == "Yearly" else ""
        hint_en = " Aggregates are computed per quarter (e.g. 2024Q4)." if period_type == "Yearly" else ""
        raise Dhis2Error(
            "unknown_period",
            f"Tidak ada agregat penanda untuk periode {dhis2_pe} tingkat {level}. "
            f"Periode tersedia: {shown}.{hint_id}",
            f"No flag aggregates for period {dhis2_pe} at level {level}. "
            f"Periods available: {shown}.{hint_en}",
        )

    spec = mapping_file_read(mapping_file)
    mapping = _mapping_from_tables(spec)
    if not mapping.data_elements or not mapping.org_units:
        raise Dhis2Error(
            "mapping_empty",
            "Pemetaan DHIS2 belum dimuat: jalankan `satuanak dhis2 load-mapping`.",
            "The DHIS2 mapping is not loaded: run `satuanak dhis2 load-mapping`.",
        )
    figures = [
        Figure(
            indicator=code, measure=measure, period=dhis2_pe, area_level=level, area_code=area, value=value
        )
        for code, area, numerator, denominator in aggregates
        for measure, value in (("numerator", numerator), ("denominator", denominator))
    ]
    chosen_set = spec.data_set if data_set is None else (data_set or None)
    payload, unmapped = data_value_set_build(
        figures=figures, mapping=mapping, period=dhis2_pe, data_set=chosen_set, complete_date=complete_date
    )
    # What was sent, counted back from the figures that were placed (not from the payload's
    # ids, which several indicators could in principle share across combos).
    sent = Counter(
        f.indicator
        for f in figures
        if (f.indicator, f.measure) in mapping.data_elements
        and (f.area_level, f.area_code) in mapping.org_units
    )
    report = {
        "period": dhis2_pe,
        "period_type": period_type,
        "level": level,
        "data_set": chosen_set,
        "id_scheme": {
            "data_element": mapping.data_element_scheme,
            "org_unit": mapping.org_unit_scheme,
            "category_option_combo": mapping.coc_scheme,
            "data_set": mapping.ds_scheme,
        },
        "query": import_query(mapping, with_data_set=chosen_set is not None),
        "figures": len(figures),
        "sent": len(payload["dataValues"]),
        "sent_by_indicator": dict(sorted(sent.items())),
        "org_units_sent": len({v["orgUnit"] for v in payload["dataValues"]}),
        "unmapped": unmapped.as_dict(),
    }
    return payload, report
