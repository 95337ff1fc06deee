"""R5 (SPEC §10, §12): schemathesis against the live API finds no server error and no
response that the OpenAPI schema does not describe, as an admin, a supervisor (whose
scoping to their operations is where cross-operation defects hide) and an agent.

The app is served by pytest-django's ``live_server`` on PostgreSQL, loaded with the demo
data (so ids exist for the stateful phase to follow); schemathesis runs as a subprocess
with every phase (examples, coverage, fuzzing, stateful). ``/api/v1/auth/`` is left out:
the fuzzer would lock its own users out (django-axes) and change their passwords.

Each role runs with ``DEBUG`` off (production) and on (``make run``'s default, where
Django's debug pages would answer what the handlers answer in JSON: issue 32 item 6).
The time budget per run is ``SCHEMATHESIS_MAX_TIME`` seconds (default 25: six runs) and
the cases per operation ``SCHEMATHESIS_MAX_EXAMPLES`` (default 10), so ``make test``
stays within a few minutes; the longer run recorded in ``bench/README.md`` raises both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from knox.models import AuthToken

from users.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKS = "not_a_server_error,response_schema_conformance"


def _schemathesis() -> str:
    found = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    if not Path(found).exists():
        pytest.fail("schemathesis is not installed (requirements-dev.txt)")
    return found


def _run(live_server, token: str, report: Path) -> subprocess.CompletedProcess:
    max_time = os.environ.get("SCHEMATHESIS_MAX_TIME", "25")
    command = [
        _schemathesis(), "run", f"{live_server.url}/api/v1/schema/",
        "--header", f"Authorization: Token {token}",
        "--checks", CHECKS,
        "--exclude-path-regex", "^/api/v1/auth/",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"),
        "--max-time", max_time,
        "--workers", "1",
        "--seed", os.environ.get("SCHEMATHESIS_SEED", "15"),
        "--request-timeout", "30",
        "--no-color",
        "--report", "junit", "--report-junit-path", str(report),
    ]  # fmt: skip
    # The wall-clock limit says what it waited for: the run's own budget plus start-up.
    return subprocess.run(
        command, capture_output=True, text=True, timeout=int(max_time) * 4 + 300, check=False, cwd=report.parent
    )


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("username", ["admin", "supervisor_a", "agent_a"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, tmp_path, settings, username, debug):
    settings.DEBUG = debug  # read per request by the live server's thread
    call_command("seed_demo", verbosity=0)
    user = User.objects.get(username=username)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    token = AuthToken.objects.create(user=user)[1]
    result = _run(live_server, token, tmp_path / "junit.xml")
    summary = result.stdout[-6000:]
    assert result.returncode == 0, (
        f"schemathesis as {username} (DEBUG={debug}) failed:\n{summary}\n{result.stderr[-2000:]}"
    )
    assert "Tested:" in result.stdout, summary  # it really ran the operations
