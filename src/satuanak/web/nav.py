"""The main menu, grouped: one table of links, each shown only to roles holding its capability.

A flat list outgrew the header (a data steward had about twenty links), so links sit in a few
groups by the work they belong to; a group with one link for the user is shown as that link.
The menu only shows links — the access gate decides who may open a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from satuanak.access.policy import Capability, role_can

Visible = Callable[[Any], bool]


def _cap(capability: Capability) -> Visible:
    def visible(user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and role_can(
            getattr(user, "role", ""), capability
        )

    return visible


def _anonymous(user: Any) -> bool:
    return not getattr(user, "is_authenticated", False)


def _everyone(user: Any) -> bool:
    return True


def _signed_in_aggregates(user: Any) -> bool:
    return _cap(Capability.VIEW_AGGREGATES)(user)


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    visible: Visible
    # url names (or prefixes ending in "-") under which this link is the current page
    current: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavGroup:
    label: str
    links: tuple[NavLink, ...]


_C = Capability
MENU: tuple[NavLink | NavGroup, ...] = (
    NavLink("Peta wilayah", "web:home", _everyone, ("home",)),
    NavLink("Permohonan akta/KIA", "web:applications-new", _anonymous, ("applications-new",)),
    NavLink("Lacak dokumen", "web:adminduk-tracking", _everyone, ("adminduk-tracking",)),
    NavLink("PRAP", "web:prap-dashboard", _everyone, ("prap-",)),
    NavLink("Halo Remaja", "web:halo-start", _anonymous, ("halo-start", "halo-conversation")),
    NavLink(
        "Survei kepuasan",
        "web:kemitraan-ikm-points",
        _anonymous,
        ("kemitraan-ikm-points", "kemitraan-ikm-survey"),
    ),
    NavGroup(
        "Anak",
        (
            NavLink("Data anak", "web:child-list", _cap(_C.VIEW_CHILDREN), ("child-list", "child-detail")),
            NavLink(
                "Tindak lanjut",
                "web:follow-ups",
                _cap(_C.RECORD_INTERVENTIONS),
                ("follow-ups", "intervention-import"),
            ),
            NavLink("Rujukan", "web:referral-inbox", _cap(_C.HANDLE_REFERRALS), ("referral-",)),
            NavLink("Remaja", "web:remaja-overview", _cap(_C.RECORD_ADOLESCENT_HEALTH), ("remaja-",)),
            NavLink("Halo Remaja", "web:halo-queue", _cap(_C.HALO_COUNSEL), ("halo-",)),
        ),
    ),
    NavGroup(
        "Program",
        (
            NavLink("Hasil program", "web:programme-report", _cap(_C.RUN_PROGRAMMES), ("programme-report",)),
            NavLink("GESIT", "web:gesit-overview", _cap(_C.RECORD_INTERVENTIONS), ("gesit-",)),
            NavLink("CEGAH DINI", "web:cegah-overview", _cap(_C.RECORD_PREVENTION_SESSIONS), ("cegah-",)),
            NavLink("Jempol", "web:jempol-plan", _cap(_C.PLAN_OUTREACH), ("jempol-",)),
            NavLink(
                "APSAI & dana",
                "web:kemitraan-funding",
                _cap(_C.MANAGE_PARTNERSHIPS),
                ("kemitraan-apsai", "kemitraan-funding"),
            ),
        ),
    ),
    NavGroup(
        "Adminduk",
        (
            NavLink(
                "3-in-1", "web:adminduk-declarations", _cap(_C.DECLARE_BIRTHS), ("adminduk-declaration",)
            ),
            NavLink(
                "Verifikasi",
                "web:adminduk-queue",
                _cap(_C.PROCESS_ADMINDUK),
                ("adminduk-queue", "adminduk-review"),
            ),
            NavLink(
                "Permohonan",
                "web:applications-queue",
                _cap(_C.PROCESS_ADMINDUK),
                ("applications-queue", "applications-application"),
            ),
            NavLink(
                "Duta Adminduk",
                "web:applications-school",
                _cap(_C.SUBMIT_SCHOOL_REQUESTS),
                ("applications-school",),
            ),
        ),
    ),
    NavGroup(
        "Partisipasi",
        (
            NavLink(
                "Lapor (Forum Anak)",
                "web:partisipasi-my-reports",
                _cap(_C.SUBMIT_2P_REPORTS),
                ("partisipasi-my-", "partisipasi-report-new"),
            ),
            NavLink(
                "Laporan Forum Anak",
                "web:partisipasi-queue",
                _cap(_C.HANDLE_2P_REPORTS),
                ("partisipasi-queue", "partisipasi-report-detail", "partisipasi-dashboard"),
            ),
            NavLink(
                "Musrenbang",
                "web:partisipasi-musrenbang",
                _cap(_C.RECORD_MUSRENBANG),
                ("partisipasi-musrenbang", "partisipasi-proposal"),
            ),
            NavLink(
                "IKM",
                "web:kemitraan-ikm-results",
                _signed_in_aggregates,
                ("kemitraan-ikm-results", "kemitraan-ikm-baseline"),
            ),
        ),
    ),
    NavLink("Skor KLA", "web:kla-scorecard", _signed_in_aggregates, ("kla-",)),
    NavLink("Mutu data gizi", "web:mutu-overview", _signed_in_aggregates, ("mutu-",)),
    NavGroup(
        "Data",
        (
            NavLink("Impor", "web:import-upload", _cap(_C.RUN_IMPORTS), ("import-upload", "import-detail")),
            NavLink(
                "Tinjauan tautan",
                "web:review-list",
                _cap(_C.REVIEW_LINKAGE),
                ("review-list", "review-detail"),
            ),
            NavLink(
                "Perangkat lapangan",
                "web:lapangan-devices",
                _cap(_C.USE_FIELD_APP),
                ("lapangan-devices", "lapangan-register"),
            ),
            NavLink(
                "Konflik sinkron",
                "web:lapangan-conflicts",
                _cap(_C.RESOLVE_FIELD_CONFLICTS),
                ("lapangan-conflicts",),
            ),
            NavLink("Log audit", "web:audit-log", _cap(_C.VIEW_AUDIT), ("audit-log",)),
            NavLink(
                "Insiden data",
                "web:governance-incidents",
                _cap(_C.MANAGE_DATA_GOVERNANCE),
                ("governance-incidents",),
            ),
            NavLink(
                "Permintaan data",
                "web:governance-requests",
                _cap(_C.MANAGE_DATA_GOVERNANCE),
                ("governance-request",),
            ),
            NavLink(
                "Perjanjian data",
                "web:governance-agreements",
                _cap(_C.MANAGE_DATA_GOVERNANCE),
                ("governance-agreement",),
            ),
            NavLink(
                "Retensi data",
                "web:governance-retention",
                _cap(_C.MANAGE_DATA_GOVERNANCE),
                ("governance-retention",),
            ),
            NavLink(
                "Akses per tujuan",
                "web:governance-purpose-report",
                _cap(_C.MANAGE_DATA_GOVERNANCE),
                ("governance-purpose-report",),
            ),
            NavLink("Riwayat tugas", "web:ops-jobs", _cap(_C.REVIEW_LINKAGE), ("ops-jobs",)),
            NavLink("Pengguna", "admin:index", _cap(_C.MANAGE_USERS), ()),
        ),
    ),
)


@dataclass(frozen=True)
class ShownLink:
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class ShownGroup:
    label: str
    links: tuple[ShownLink, ...]
    current: bool


def _is_current(link: NavLink, url_name: str) -> bool:
    # Each entry is a url name or a prefix of several ("referral-"): both match by prefix.
    return bool(url_name) and any(url_name.startswith(c) for c in link.current)


def menu_for(user: Any, url_name: str) -> list[ShownLink | ShownGroup]:
    """The menu as this user sees it on the page named `url_name`."""
    shown: list[ShownLink | ShownGroup] = []
    for item in MENU:
        if isinstance(item, NavLink):
            if item.visible(user):
                shown.append(ShownLink(item.label, reverse(item.url_name), _is_current(item, url_name)))
            continue
        links = tuple(
            ShownLink(link.label, reverse(link.url_name), _is_current(link, url_name))
            for link in item.links
            if link.visible(user)
        )
        if len(links) == 1:
            shown.append(links[0])
        elif links:
            shown.append(ShownGroup(item.label, links, any(link.current for link in links)))
    return shown
