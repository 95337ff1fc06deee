"""The matrix's world, built once per test (each test may grant more on the profile)."""

from __future__ import annotations

import pytest

from .world import build_world


@pytest.fixture
def world(cast, operation_a, operation_b, supervisor_profile):
    return build_world(cast, operation_a, operation_b, supervisor_profile)
