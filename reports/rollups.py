"""MERGE SHIM (replaced by the reports app's rollups): the engine's interface only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Fact:
    at: datetime
    group_id: int
    agent_id: int | None = None
    queued: int = 0
    assigned: int = 0
    wait_seconds: float = 0.0
    sla_met: int = 0
    abandoned: int = 0
    closed: int = 0
    handled: int = 0
    handling_seconds: float = 0.0
    csat_answers: int = 0
    csat_satisfied: int = 0
    nps_answers: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0


def rollup_record(facts: Sequence[Fact]) -> None:
    return None
