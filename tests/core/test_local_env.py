"""`make run`'s local development settings (core/local_env.py): every `manage.py` command of
the checkout works with nothing exported; production never reads them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from core.local_env import local_env_load, local_env_read, local_env_write

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}


def _manage(var: Path, *args: str, settings: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in EXPORTED}  # a new terminal: nothing exported
    env["ATENDE_VAR_DIR"] = str(var)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_the_file_gets_a_private_generated_key_that_survives_a_second_make_run(tmp_path):
    path = tmp_path / "local.env"
    first = local_env_write(path=path)
    assert first["DEBUG"] == "1" and len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_env_write(path=path)["SECRET_KEY"] == first["SECRET_KEY"]  # sessions survive a restart
    assert local_env_read(path=path) == first


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    path = tmp_path / "local.env"
    path.write_text("# comment\nATENDE_TEST_A=from-file\nATENDE_TEST_B=from-file\n")
    monkeypatch.setenv("ATENDE_TEST_A", "exported")
    monkeypatch.delenv("ATENDE_TEST_B", raising=False)
    assert local_env_load(path=path) == ["ATENDE_TEST_B"]
    assert (os.environ["ATENDE_TEST_A"], os.environ["ATENDE_TEST_B"]) == ("exported", "from-file")
    monkeypatch.delenv("ATENDE_TEST_B")


def test_manage_py_needs_nothing_exported_after_make_run_prepared_the_checkout(tmp_path):
    refused = _manage(tmp_path, "check")
    assert refused.returncode != 0 and "SECRET_KEY must be set when DEBUG is off" in refused.stderr
    prepared = subprocess.run(
        [sys.executable, "bin/supervise.py", "--prepare"], cwd=ROOT, env={**os.environ, "ATENDE_VAR_DIR": str(tmp_path)}
    )
    assert prepared.returncode == 0
    result = _manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_never_read_the_local_file(tmp_path):
    local_env_write(path=tmp_path / "local.env")
    result = _manage(tmp_path, "check", settings="config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
