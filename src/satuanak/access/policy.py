"""What each role may see and do: the one table (BRIEF.md "who uses it"; UU 27/2022 PDP).

How access works
----------------
A user has a role, an agency and an area (accounts.User: the district, one kecamatan, or a
set of desa such as a puskesmas's service area). Access to personal data is decided in two
steps, both deny-by-default:

1. The role's policy below says whether the role reads personal data at all, which
   capabilities it holds (list and open children, export, reveal a NIK, ...), which
   *sources* it may see on a child (violence cases from SIMFONI only for protection officers)
   and which sources may appear in its exports.
2. The scoped selectors (access/selectors.py) restrict every query on personal tables to the
   user's area: "district" roles see the whole kabupaten, the others only their own area.

Views declare which capability they need (access/decorators.py); the gate middleware refuses
unmarked views. Every read of personal data and every denial is written to the audit log.
Roles that read no personal data (planner, public, birth operator until the adminduk
workflow gives them their own declarations) see aggregates only, with small cells suppressed.

The table is code, reviewed like code: change it here, and the tests in
access/tests/test_policy.py and the README's "privacy and access" table change with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from satuanak.accounts.roles import Role
from satuanak.core.sources import Source


class Capability(StrEnum):
    VIEW_CHILDREN = "view_children"  # list children and open a child's page
    EXPORT_CHILDREN = "export_children"  # download a list of children
    REVEAL_NIK = "reveal_nik"  # show a NIK/KK unmasked (logged, with a purpose)
    VIEW_AUDIT = "view_audit"  # search and export the audit log
    MANAGE_USERS = "manage_users"  # create users, change roles and areas, revoke
    RUN_IMPORTS = "run_imports"  # load source files, download error reports
    REVIEW_LINKAGE = "review_linkage"  # decide uncertain matches
    RECORD_INTERVENTIONS = "record_interventions"  # record PMT, visits, catch-up doses on a child
    # Send weighings from a field app or a FHIR bundle: they go through the e-PPGBM import's checks.
    RECORD_MEASUREMENTS = "record_measurements"
    HANDLE_REFERRALS = "handle_referrals"  # refer a child to another unit; answer referrals to one's unit
    RUN_PROGRAMMES = "run_programmes"  # GESIT: foster parents (BAAS), confirm assignments; programme reports
    VIEW_AGGREGATES = "view_aggregates"  # counts and rates per desa (suppressed for the public)
    # Exact per-desa counts for another government system (DHIS2): no child, but small cells unsuppressed.
    EXPORT_AGGREGATES = "export_aggregates"
    # Child-friendly puskesmas (PRAP): about facilities, not children.
    PRAP_SELF_ASSESS = "prap_self_assess"  # fill one's own puskesmas's checklist, upload evidence, submit
    PRAP_REVIEW = "prap_review"  # verify items, certify, revoke (Dinkes, KLA task force)
    PRAP_MANAGE_STANDARD = "prap_manage_standard"  # edit the standard's components and items
    RECORD_CHILD_VOICE = "record_child_voice"  # Forum Anak: satisfaction surveys about a puskesmas
    # Civil registration (adminduk).
    DECLARE_BIRTHS = "declare_births"  # a facility's birth operator: its own declarations only
    PROCESS_ADMINDUK = "process_adminduk"  # Disdukcapil: verify, return, issue documents
    SUBMIT_SCHOOL_REQUESTS = "submit_school_requests"  # Duta Adminduk: a school's collective request
    PLAN_OUTREACH = "plan_outreach"  # the mobile unit's plan from per-desa gaps (aggregates)
    # Adolescents (issue 13).
    RECORD_ADOLESCENT_HEALTH = (
        "record_adolescent_health"  # Posyandu Remaja, PKPR visits, anaemia, iron tablets
    )
    HALO_COUNSEL = "halo_counsel"  # answer Halo Remaja conversations while on the rota
    HALO_SUPERVISE = "halo_supervise"  # take escalations, see every conversation, keep the rota
    RECORD_PREVENTION_SESSIONS = "record_prevention_sessions"  # CEGAH DINI: Bimwin at KUA, MPLS at schools
    # Participation and partnerships (issue 14).
    SUBMIT_2P_REPORTS = (
        "submit_2p_reports"  # Forum Anak "Pelopor dan Pelapor": report a concern, follow one's own
    )
    HANDLE_2P_REPORTS = "handle_2p_reports"  # an agency triages and answers the reports in its queue
    RECORD_MUSRENBANG = "record_musrenbang"  # Forum Anak proposals and their outcome in planning rounds
    MANAGE_PARTNERSHIPS = (
        "manage_partnerships"  # APSAI members and commitments, programme funding, IKM surveys
    )
    # Offline field capture (issue 15): register a phone, download one's area, sync recorded work.
    USE_FIELD_APP = "use_field_app"
    # Decide a synced value that disagrees with the server's (lapangan/rules.py).
    RESOLVE_FIELD_CONFLICTS = "resolve_field_conflicts"
    # KLA evaluation (aggregates only).
    KLA_MANAGE = "kla_manage"  # the task force: edit the indicator set and weights, publish a version
    KLA_ENTER_VALUES = "kla_enter_values"  # a responsible agency enters an indicator's value with evidence
    # Data governance under the PDP law (issue 18): the incident log, people's requests, agreements.
    MANAGE_DATA_GOVERNANCE = "manage_data_governance"


# Capabilities that never reach a child's personal data: roles without personal data may hold them.
FACILITY_CAPABILITIES = frozenset(
    {
        Capability.VIEW_AGGREGATES,
        Capability.EXPORT_AGGREGATES,
        Capability.PRAP_SELF_ASSESS,
        Capability.PRAP_REVIEW,
        Capability.PRAP_MANAGE_STANDARD,
        Capability.RECORD_CHILD_VOICE,
        Capability.PLAN_OUTREACH,
        Capability.KLA_MANAGE,
        Capability.KLA_ENTER_VALUES,
        Capability.RECORD_PREVENTION_SESSIONS,
        Capability.HANDLE_2P_REPORTS,
        Capability.RECORD_MUSRENBANG,
        Capability.MANAGE_PARTNERSHIPS,
    }
)
# Capabilities over records the user made themselves (a birth operator's own declarations), not
# over the registry: a role without personal data may hold them.
# A field device holds only what its own user may record and hold (lapangan/selectors.py).
OWN_RECORD_CAPABILITIES = frozenset(
    {Capability.DECLARE_BIRTHS, Capability.SUBMIT_2P_REPORTS, Capability.USE_FIELD_APP}
)


class AreaScope(StrEnum):
    DISTRICT = "district"  # the whole kabupaten, whatever the user's area says
    OWN_AREA = "own_area"  # only the user's area (kecamatan or set of desa)
    NONE = "none"  # no personal data at all


@dataclass(frozen=True)
class RolePolicy:
    role: Role
    scope: AreaScope
    sources: frozenset[Source]  # which sources' records the role may see on a child
    export_sources: frozenset[Source]  # which of those may appear in its exports
    capabilities: frozenset[Capability]
    why: str  # the duty that justifies the access (PDP: purpose limitation)
    # Which sources' files the role may load (needs RUN_IMPORTS). The steward loads every
    # source but, without SIMFONI in `sources`, sees a violence-case file's counts, not its rows.
    import_sources: frozenset[Source] = frozenset()

    @property
    def reads_personal_data(self) -> bool:
        return self.scope != AreaScope.NONE and Capability.VIEW_CHILDREN in self.capabilities


_HEALTH = frozenset({Source.SIAK, Source.EPPGBM, Source.IMUNISASI, Source.KIA})
# Health officers (district) and puskesmas staff (their service area) may do the same things.
_HEALTH_CAPABILITIES = frozenset(
    {
        Capability.VIEW_CHILDREN,
        Capability.EXPORT_CHILDREN,
        Capability.REVEAL_NIK,
        Capability.VIEW_AGGREGATES,
        Capability.RECORD_INTERVENTIONS,
        Capability.RECORD_MEASUREMENTS,
        Capability.HANDLE_REFERRALS,
        Capability.RUN_PROGRAMMES,
    }
)
_C = Capability

ROLE_POLICIES: dict[Role, RolePolicy] = {
    p.role: p
    for p in [
        RolePolicy(
            role=Role.DATA_STEWARD,
            scope=AreaScope.DISTRICT,
            # Runs imports and linkage of every source, but does not read violence-case content.
            sources=frozenset(Source) - {Source.SIMFONI},
            export_sources=frozenset(Source) - {Source.SIMFONI},
            # Runs the platform, not the counselling channel: adolescents' conversations are for
            # the counsellors on duty and their supervisors only.
            # Forum Anak's reports are the children's own voice, not the steward's.
            capabilities=frozenset(_C) - {_C.HALO_COUNSEL, _C.HALO_SUPERVISE, _C.SUBMIT_2P_REPORTS},
            why="mengelola impor, penautan, pengguna dan audit / runs imports, linkage, users, audit",
            import_sources=frozenset(Source),
        ),
        RolePolicy(
            role=Role.HEALTH_OFFICER,
            scope=AreaScope.DISTRICT,
            sources=_HEALTH,
            export_sources=_HEALTH,
            capabilities=_HEALTH_CAPABILITIES
            | {
                Capability.PRAP_REVIEW,
                Capability.PRAP_MANAGE_STANDARD,
                Capability.KLA_ENTER_VALUES,
                Capability.EXPORT_AGGREGATES,
                Capability.RECORD_ADOLESCENT_HEALTH,
                Capability.HALO_COUNSEL,
                Capability.HALO_SUPERVISE,
                Capability.RECORD_PREVENTION_SESSIONS,
                Capability.HANDLE_2P_REPORTS,
                Capability.USE_FIELD_APP,
                Capability.RESOLVE_FIELD_CONFLICTS,
            },
            why="gizi, imunisasi, kehamilan se-kabupaten / nutrition, immunisation, pregnancy",
        ),
        RolePolicy(
            role=Role.PUSKESMAS_STAFF,
            scope=AreaScope.OWN_AREA,
            sources=_HEALTH,
            export_sources=_HEALTH,
            capabilities=_HEALTH_CAPABILITIES
            | {
                Capability.PRAP_SELF_ASSESS,
                Capability.RECORD_ADOLESCENT_HEALTH,
                Capability.HALO_COUNSEL,
                # The bidan desa is puskesmas staff and attends births in the desa: she declares
                # them, from the field app where there is no signal.
                Capability.DECLARE_BIRTHS,
                Capability.USE_FIELD_APP,
                Capability.RESOLVE_FIELD_CONFLICTS,
            },
            why="pelayanan anak di wilayah kerja puskesmas / care in the service area",
        ),
        RolePolicy(
            role=Role.CIVIL_REGISTRY_OFFICER,
            scope=AreaScope.DISTRICT,
            sources=frozenset({Source.SIAK}),
            export_sources=frozenset({Source.SIAK}),
            capabilities=frozenset(
                {
                    _C.VIEW_CHILDREN,
                    _C.EXPORT_CHILDREN,
                    _C.REVEAL_NIK,
                    _C.VIEW_AGGREGATES,
                    _C.HANDLE_REFERRALS,
                    _C.PROCESS_ADMINDUK,
                    _C.PLAN_OUTREACH,
                    _C.KLA_ENTER_VALUES,
                    _C.HANDLE_2P_REPORTS,
                    _C.USE_FIELD_APP,  # the mobile unit records its visits offline
                }
            ),
            why="akta, KIA dan KK / birth certificates, child ID cards, family cards",
        ),
        RolePolicy(
            role=Role.EDUCATION_OFFICER,
            scope=AreaScope.DISTRICT,
            sources=frozenset({Source.SIAK, Source.DAPODIK}),
            export_sources=frozenset({Source.SIAK, Source.DAPODIK}),
            capabilities=frozenset(
                {
                    _C.VIEW_CHILDREN,
                    _C.EXPORT_CHILDREN,
                    _C.VIEW_AGGREGATES,
                    _C.HANDLE_REFERRALS,
                    _C.KLA_ENTER_VALUES,
                    _C.RECORD_PREVENTION_SESSIONS,
                    _C.HANDLE_2P_REPORTS,
                }
            ),
            why="anak tidak sekolah / out-of-school children",
        ),
        RolePolicy(
            role=Role.SCHOOL_DUTA_ADMINDUK,
            scope=AreaScope.OWN_AREA,
            sources=frozenset({Source.SIAK, Source.DAPODIK}),
            export_sources=frozenset(),
            capabilities=frozenset({_C.VIEW_CHILDREN, _C.HANDLE_REFERRALS, _C.SUBMIT_SCHOOL_REQUESTS}),
            why="siswa tanpa dokumen kependudukan / students without documents",
        ),
        RolePolicy(
            role=Role.PROTECTION_OFFICER,
            scope=AreaScope.OWN_AREA,
            sources=frozenset({Source.SIAK, Source.SIMFONI}),
            export_sources=frozenset({Source.SIAK, Source.SIMFONI}),
            capabilities=frozenset(
                {
                    _C.VIEW_CHILDREN,
                    _C.EXPORT_CHILDREN,
                    _C.REVEAL_NIK,
                    _C.VIEW_AGGREGATES,
                    _C.RUN_IMPORTS,
                    _C.HANDLE_REFERRALS,
                    _C.KLA_ENTER_VALUES,
                    _C.HANDLE_2P_REPORTS,
                }
            ),
            why="kasus kekerasan dan rujukan / violence cases and referrals",
            import_sources=frozenset({Source.SIMFONI}),
        ),
        RolePolicy(
            role=Role.PLANNER,
            scope=AreaScope.NONE,
            sources=frozenset(),
            export_sources=frozenset(),
            capabilities=frozenset(
                {
                    _C.VIEW_AGGREGATES,
                    _C.EXPORT_AGGREGATES,
                    _C.PRAP_REVIEW,
                    _C.PLAN_OUTREACH,
                    _C.KLA_MANAGE,
                    _C.KLA_ENTER_VALUES,
                    _C.RECORD_PREVENTION_SESSIONS,
                    _C.HANDLE_2P_REPORTS,
                    _C.RECORD_MUSRENBANG,
                    _C.MANAGE_PARTNERSHIPS,
                }
            ),
            why="peta, indikator dan skor KLA dari agregat / maps and KLA from aggregates",
        ),
        RolePolicy(
            role=Role.BIRTH_OPERATOR,
            scope=AreaScope.NONE,
            sources=frozenset(),
            export_sources=frozenset(),
            capabilities=frozenset({_C.VIEW_AGGREGATES, _C.DECLARE_BIRTHS, _C.USE_FIELD_APP}),
            why="melaporkan kelahiran (alur adminduk) / declares births (adminduk workflow)",
        ),
        RolePolicy(
            role=Role.CADRE,
            scope=AreaScope.OWN_AREA,
            sources=frozenset({Source.EPPGBM, Source.IMUNISASI}),
            export_sources=frozenset(),
            capabilities=frozenset(
                {
                    _C.VIEW_CHILDREN,
                    _C.RECORD_INTERVENTIONS,
                    _C.RECORD_MEASUREMENTS,
                    _C.HANDLE_REFERRALS,
                    _C.RECORD_ADOLESCENT_HEALTH,
                    _C.USE_FIELD_APP,
                }
            ),
            why="penimbangan, kunjungan, PMT di posyandu / weighing, visits, feeding",
        ),
        RolePolicy(
            role=Role.PUBLIC,
            scope=AreaScope.NONE,
            sources=frozenset(),
            export_sources=frozenset(),
            capabilities=frozenset({_C.VIEW_AGGREGATES, _C.RECORD_CHILD_VOICE, _C.SUBMIT_2P_REPORTS}),
            why="agregat yang disensor / suppressed aggregates only",
        ),
    ]
}


# Capabilities whose pages show a child's (or an adolescent's) personal data: a page marked with
# one of them needs a purpose chosen for the working session, from those the user's agreements in
# force allow (access/middleware.py; UU 27/2022: purpose limitation). The rest work on
# aggregates, facilities, users or the platform itself and need none.
PURPOSE_CAPABILITIES = frozenset(
    {
        Capability.VIEW_CHILDREN,
        Capability.EXPORT_CHILDREN,
        Capability.REVEAL_NIK,
        Capability.RUN_IMPORTS,
        Capability.REVIEW_LINKAGE,
        Capability.RECORD_INTERVENTIONS,
        Capability.RECORD_MEASUREMENTS,
        Capability.HANDLE_REFERRALS,
        Capability.RUN_PROGRAMMES,
        Capability.PROCESS_ADMINDUK,
        Capability.SUBMIT_SCHOOL_REQUESTS,
        Capability.DECLARE_BIRTHS,
        Capability.RECORD_ADOLESCENT_HEALTH,
        Capability.HALO_COUNSEL,
        Capability.HALO_SUPERVISE,
        Capability.HANDLE_2P_REPORTS,
        Capability.RESOLVE_FIELD_CONFLICTS,
        Capability.MANAGE_DATA_GOVERNANCE,
    }
)


def policy_for(role: str) -> RolePolicy:
    """The policy of a role; an unknown role gets the public's (deny by default)."""
    try:
        return ROLE_POLICIES[Role(role)]
    except ValueError:
        return ROLE_POLICIES[Role.PUBLIC]


def role_can(role: str, capability: Capability) -> bool:
    return capability in policy_for(role).capabilities
