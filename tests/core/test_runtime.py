"""core/runtime.py: the entry points move their start-up objects out of the collector's walks."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest
from celery.signals import worker_process_init, worker_ready

from config.celery import freeze_worker_startup
from core.runtime import freeze_startup_objects


def test_freezing_moves_the_loaded_objects_out_of_the_collectors_walks(monkeypatch):
    monkeypatch.delenv("GC_FREEZE", raising=False)
    try:
        assert freeze_startup_objects(load_urls=True) is True
        assert gc.get_freeze_count() > 10_000  # Django, the project's modules and the URLconf
    finally:
        gc.unfreeze()


def test_gc_freeze_0_turns_it_off(monkeypatch):
    monkeypatch.setenv("GC_FREEZE", "0")
    before = gc.get_freeze_count()
    assert freeze_startup_objects() is False
    assert gc.get_freeze_count() == before


def test_celery_workers_freeze_once_loaded():
    connected = [receiver() for _key, receiver in worker_ready.receivers + worker_process_init.receivers]
    assert connected.count(freeze_worker_startup) == 2
    try:
        freeze_worker_startup()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_web_entry_points_freeze(module):
    code = f"import gc, {module}; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=120
    )
    assert int(result.stdout.strip().splitlines()[-1]) > 10_000
