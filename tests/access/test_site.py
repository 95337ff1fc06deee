"""The site's other URLs per role (``SITE_EXPECTATIONS``): the supervisor pages
(dashboard, service-level report, survey results, attendance monitoring), the report
APIs and their CSV / XLSX exports, the workspace page, its live stream, JSON views and
media files, "Novo atendimento ativo", health, login. Every readable answer is checked
for the other operation's names, people and attendances (SPEC §12 R4)."""

from __future__ import annotations

import pytest

from .expectations import PERM_MONITOR, PERM_SURVEYS
from .site_checks import site_matrix_failures
from .world import ROLES, SUPERVISOR_SIDE, VIEW_ATTENDANCE, grant

pytestmark = pytest.mark.django_db

# gil (a second agent of A) owns nothing: eva's attendances and files are not his.
SITE_ROLES = [*ROLES, "agent_a2"]


@pytest.mark.parametrize("role", SITE_ROLES)
def test_site_matrix(role, world):
    """The fixtures' profile: dashboard and service-level report, nothing else."""
    failures = site_matrix_failures(role, world)
    assert not failures, f"{len(failures)} site failure(s):\n" + "\n".join(failures)


def test_site_matrix_with_every_report_and_the_attendances_granted(world, supervisor_profile):
    """Survey results, monitoring and view_attendance granted: each supervisor sees their
    operation's attendances (monitor detail, files), the other's 404, and no page or
    export names the other operation."""
    grant(world, supervisor_profile, PERM_SURVEYS, PERM_MONITOR, VIEW_ATTENDANCE)
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += site_matrix_failures(role, world)
    assert not failures, f"{len(failures)} site failure(s) with the grants:\n" + "\n".join(failures)
