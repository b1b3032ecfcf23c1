"""The role table itself: complete, deny-by-default, and the brief's special rules."""

from __future__ import annotations

from satuanak.access.policy import (
    FACILITY_CAPABILITIES,
    OWN_RECORD_CAPABILITIES,
    ROLE_POLICIES,
    AreaScope,
    Capability,
    policy_for,
    role_can,
)
from satuanak.accounts.roles import Role
from satuanak.core.sources import Source


def test_every_role_has_exactly_one_policy() -> None:
    assert set(ROLE_POLICIES) == set(Role)
    assert all(p.why for p in ROLE_POLICIES.values())


def test_violence_cases_only_for_protection_officers() -> None:
    for role, policy in ROLE_POLICIES.items():
        sees = Source.SIMFONI in policy.sources
        assert sees == (role == Role.PROTECTION_OFFICER), role
        # ...and never in anyone else's exports.
        assert (Source.SIMFONI in policy.export_sources) == (role == Role.PROTECTION_OFFICER), role


def test_exports_never_carry_a_source_the_role_cannot_see() -> None:
    for policy in ROLE_POLICIES.values():
        assert policy.export_sources <= policy.sources, policy.role
        if policy.export_sources:
            assert Capability.EXPORT_CHILDREN in policy.capabilities, policy.role


def test_aggregate_only_roles_read_no_personal_data() -> None:
    for role in (Role.PUBLIC, Role.PLANNER, Role.BIRTH_OPERATOR):
        policy = ROLE_POLICIES[role]
        assert policy.scope == AreaScope.NONE
        assert not policy.reads_personal_data
        assert Capability.VIEW_AGGREGATES in policy.capabilities
        # nothing that reaches a child in the registry (a birth operator's own declarations aside)
        assert policy.capabilities <= FACILITY_CAPABILITIES | OWN_RECORD_CAPABILITIES, role


def test_area_bound_roles() -> None:
    for role in (Role.PUSKESMAS_STAFF, Role.CADRE, Role.SCHOOL_DUTA_ADMINDUK, Role.PROTECTION_OFFICER):
        assert ROLE_POLICIES[role].scope == AreaScope.OWN_AREA, role


def test_only_the_steward_manages_users_and_reads_the_audit_log() -> None:
    for role in Role:
        assert role_can(role, Capability.MANAGE_USERS) == (role == Role.DATA_STEWARD)
        assert role_can(role, Capability.VIEW_AUDIT) == (role == Role.DATA_STEWARD)


def test_unknown_role_is_treated_as_public() -> None:
    assert policy_for("no-such-role") == ROLE_POLICIES[Role.PUBLIC]
    assert not role_can("", Capability.VIEW_CHILDREN)


def test_who_may_import_what() -> None:
    for role, policy in ROLE_POLICIES.items():
        assert bool(policy.import_sources) == (Capability.RUN_IMPORTS in policy.capabilities), role
    assert ROLE_POLICIES[Role.DATA_STEWARD].import_sources == frozenset(Source)
    # Violence-case files are loaded by the steward or the protection officer, read only by the latter.
    assert ROLE_POLICIES[Role.PROTECTION_OFFICER].import_sources == {Source.SIMFONI}
