"""Which agency's queue a 2P report goes to: data/partisipasi/routing_v1.json, checked on load.

The table is data so that the KLA task force can move a type to another agency without a code
change (and the tests read the same file). Each route names an `AgencyKind` (shown to the
reporter: "your report went to Dinkes") and a `Role` (whose users, holding
`Capability.HANDLE_2P_REPORTS`, work that queue). A table that misses a type, or names an
unknown agency kind or role, or a role that cannot handle reports, refuses to load: a report
must never fall into a queue nobody reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from satuanak.access.policy import Capability, role_can
from satuanak.accounts.roles import AgencyKind, Role
from satuanak.partisipasi import states as s

ROUTING_FILE = "partisipasi/routing_v1.json"


@dataclass(frozen=True)
class Route:
    agency_kind: str
    role: str
    why: str


class RoutingError(ValueError):
    """The routing table is unusable (bilingual message)."""


def routing_parse(raw: dict[str, object]) -> dict[str, Route]:
    routes = raw.get("routes")
    if not isinstance(routes, dict):
        raise RoutingError("Tabel rute tanpa 'routes'. / The routing table has no 'routes'.")
    table: dict[str, Route] = {}
    for report_type in s.REPORT_TYPES:
        item = routes.get(report_type)
        if not isinstance(item, dict):
            raise RoutingError(f"Jenis {report_type} tanpa rute. / Type {report_type} has no route.")
        kind, role = str(item.get("agency_kind", "")), str(item.get("role", ""))
        if kind not in AgencyKind.values or role not in Role.values:
            raise RoutingError(
                f"Rute {report_type}: instansi/peran tidak dikenal ({kind}, {role}). / "
                f"Route {report_type}: unknown agency kind or role ({kind}, {role})."
            )
        if not role_can(role, Capability.HANDLE_2P_REPORTS):
            raise RoutingError(
                f"Peran {role} tidak dapat menangani laporan 2P. / Role {role} cannot handle 2P reports."
            )
        table[report_type] = Route(agency_kind=kind, role=role, why=str(item.get("why", "")))
    unknown = set(routes) - set(s.REPORT_TYPES)
    if unknown:
        raise RoutingError(f"Jenis tidak dikenal: {sorted(unknown)}. / Unknown types: {sorted(unknown)}.")
    return table


@cache
def routing_table() -> dict[str, Route]:
    """The table in force (read once per process)."""
    path = Path(settings.SATUANAK_DATA_DIR) / ROUTING_FILE
    return routing_parse(json.loads(path.read_text(encoding="utf-8")))


def route_for(report_type: str) -> Route:
    return routing_table()[report_type]


def agency_routes() -> dict[str, str]:
    """agency kind -> the role that works its queue, for every agency a report may go to
    (the reroute choices)."""
    return {r.agency_kind: r.role for r in routing_table().values()}
