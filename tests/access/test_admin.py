"""Admin screens per role: the standard pages of every registered model, the extra pages
(import / export, password, past versions) and what a supervisor's page may show."""

from __future__ import annotations

import pytest

from .checks import admin_extra_failures, admin_matrix_failures
from .expectations import perm
from .world import ADMIN_ONLY_LABELS, GROUP_PERMS, ROLES, SUPERVISOR_SIDE, grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_admin_matrix(role, world):
    failures = admin_matrix_failures(role, world)
    assert not failures, f"{len(failures)} admin access failure(s):\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_admin_extra_urls_matrix(role, world):
    failures = admin_extra_failures(role, world)
    assert not failures, f"{len(failures)} admin import/export failure(s):\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_admin_history_versions_matrix(role, world):
    """django-simple-history's "<id>/history/<history_id>/" (a past version, with a revert
    form) must be scoped like the change page: never 200 outside the viewer's queryset."""
    failures = admin_extra_failures(role, world, versions=True)
    assert not failures, f"{len(failures)} history-version failure(s):\n" + "\n".join(failures)


def test_admin_history_versions_with_grants(world, supervisor_profile):
    """The same with view + change granted on groups and on the admin-only models."""
    perms = [
        perm(type(world.samples[label]["A"]), action) for label in ADMIN_ONLY_LABELS for action in ("view", "change")
    ]
    grant(world, supervisor_profile, *GROUP_PERMS, *perms)
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += admin_extra_failures(role, world, versions=True)
    assert not failures, f"{len(failures)} history-version failure(s) with the grants:\n" + "\n".join(failures)
