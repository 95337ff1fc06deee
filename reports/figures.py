"""Figures from sums (SPEC §9): every average and percentage is a ratio of sums over the
rows it covers, never an average of averages, so groups, hours and operations combine
exactly.

The service level counts only groups with an ``initial_sla_minutes`` (today's setting):
``sla_met ÷ (assigned + abandoned) × 100`` over those groups' rows; null when none of
the rows' groups has one or the denominator is zero.
"""

from __future__ import annotations

from .rollups import COLUMNS, SUMMED

SLA_PARTS = ("sla_met", "sla_assigned", "sla_abandoned")
ALL = tuple(dict.fromkeys(COLUMNS + SLA_PARTS))  # sla_met once: only groups with an SLA add to it


def zero() -> dict:
    return dict.fromkeys(ALL, 0)


def add(total: dict, row: dict, *, sla: bool) -> dict:
    """Adds one rollup row (or a partial sum) to ``total``; ``sla``: its group has an SLA."""
    for name in SUMMED:
        if name != "sla_met":
            total[name] += row.get(name) or 0
    total["wait_max"] = max(total["wait_max"], row.get("wait_max") or 0)
    if sla:
        total["sla_met"] += row.get("sla_met") or 0
        total["sla_assigned"] += row.get("assigned") or 0
        total["sla_abandoned"] += row.get("abandoned") or 0
    return total


def merge(total: dict, other: dict) -> dict:
    """Adds a ``zero()``-shaped sum to another."""
    for name in ALL:
        total[name] = max(total[name], other[name]) if name == "wait_max" else total[name] + other[name]
    return total


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    if not denominator:
        return None
    return round(scale * numerator / denominator, 1)


def figures(total: dict) -> dict:
    """The published figures of a sum (the keys of a dashboard ``today`` / a report row)."""
    sla_denominator = total["sla_assigned"] + total["sla_abandoned"]
    nps = None
    if total["nps_answers"]:
        nps = round(100.0 * (total["nps_promoters"] - total["nps_detractors"]) / total["nps_answers"], 1)
    return {
        "queued": total["queued"],
        "assigned": total["assigned"],
        "abandoned": total["abandoned"],
        "closed": total["closed"],
        "avg_wait_seconds": _ratio(total["wait_sum"], total["assigned"]),
        "max_wait_seconds": round(total["wait_max"], 1) if total["assigned"] else None,
        "avg_handling_seconds": _ratio(total["handling_sum"], total["handled"]),
        "service_level_percent": _ratio(total["sla_met"], sla_denominator, 100.0),
        "csat_percent": _ratio(total["csat_satisfied"], total["csat_answers"], 100.0),
        "nps": nps,
    }


def hour_figures(total: dict) -> dict:
    return {
        "queued": total["queued"],
        "assigned": total["assigned"],
        "abandoned": total["abandoned"],
        "avg_wait_seconds": _ratio(total["wait_sum"], total["assigned"]),
    }
