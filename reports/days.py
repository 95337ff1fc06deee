"""The daily rollups (``GroupDay``, ``AgentDay``): the hourly sums added up per local day of
the group's company, written with the hourly rows in the same transaction (SPEC §9).

A UTC hour belongs to the local date it starts in, in the time zone of the group's
company — the rule ``service_level(by="day")`` applies to the hourly rows, and the one
that makes a report over whole local days read the same hours from either table (the
first hour of a local day is the one starting at or after its midnight, also for a time
zone whose offset is not a whole number of hours). A day's row is therefore exactly the
sum of its hourly rows, whatever the batch boundaries were: ``reports_verify`` checks it.

Writing: one ``INSERT … VALUES … ON CONFLICT DO UPDATE`` per table and batch, like the
hourly ones; on PostgreSQL the four upserts go as one statement (data-modifying CTEs,
``rollups.execute_together``: one round trip per batch). The batch's hourly sums are
added up per local date in Python, in the zone of each group's company as the engine's
configuration cache has it (``attendance.engine_cache.engine_time_zones``: no query when
cached, one for the groups that are not). A row written with a zone a couple of seconds
stale after a change is recorded with that zone, which the report detects (below).

Each row records the zone its day was computed in (``time_zone``). When a company's time
zone changes, its past rows keep the old zone's days, and a row that receives hours of
both zones gets ``time_zone = ""``; the report reads the daily rows of a group only when
all of them in the period are in the viewer's zone, the hourly rows otherwise — so it is
exact at any moment, and fast again once ``days_rebuild`` has re-derived the group's days
in the new zone (``manage.py reports_rebuild_days``; ``reports_verify`` lists the rows of
another zone until then).
"""

from __future__ import annotations

import zoneinfo

from django.db import connection, transaction

from attendance.engine_cache import engine_time_zones

from .models import AgentDay, AgentHour, GroupDay, GroupHour
from .upserts import COLUMNS, SUMMED, upsert_sql

_TABLES = """attendance_servicegroup AS g JOIN attendance_operation AS o ON o.id = g.operation_id
    JOIN attendance_company AS c ON c.id = o.company_id"""


def _sums_sql(prefix: str) -> str:
    return ", ".join(f"max({prefix}wait_max)" if name == "wait_max" else f"sum({prefix}{name})" for name in COLUMNS)


def days_statements(groups: dict, agents: dict) -> list[tuple[str, list] | None]:
    """The two daily upserts of a batch's hourly sums (``rollups.aggregate``'s dicts), for
    ``rollups.execute_together``: plain ``VALUES`` upserts like the hourly ones."""
    zones = engine_time_zones({key[1] for key in groups})
    statements = []
    for model, key_names, rows in ((GroupDay, ("day", "group_id"), groups),
                                   (AgentDay, ("day", "group_id", "agent_id"), agents)):  # fmt: skip
        days: dict[tuple, dict] = {}
        for (hour, *ids), sums in rows.items():
            zone = zones[ids[0]]
            key = (hour.astimezone(zoneinfo.ZoneInfo(zone)).date(), *ids)
            total = days.setdefault(key, {**dict.fromkeys(COLUMNS, 0), "time_zone": zone})
            for name in SUMMED:
                total[name] += sums[name]
            total["wait_max"] = max(total["wait_max"], sums["wait_max"])
        table = model._meta.db_table
        statements.append(upsert_sql(table, key_names, days, columns=COLUMNS + ("time_zone",), updates=_updates(table)))
    return statements


def _updates(table: str) -> list[str]:
    """The ``ON CONFLICT`` assignments: sums added, the longest wait kept, the zone kept
    when it is the same and "" when hours of another zone are added."""
    updates = [f"{name} = {table}.{name} + excluded.{name}" for name in SUMMED]
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    updates.append(f"wait_max = {greatest}({table}.wait_max, excluded.wait_max)")
    updates.append(f"time_zone = CASE WHEN {table}.time_zone = excluded.time_zone THEN {table}.time_zone ELSE '' END")
    return updates


def days_rebuild(group_ids: list[int] | None = None) -> None:
    """Re-derives the daily rows of these groups (all when None) from the hourly rows, in
    the groups' companies' current time zones (PostgreSQL; after a time zone change, and
    by ``bench/dashboard.py --reuse``). Derived rows only: they are replaced, never
    figures of record. The daily tables are locked against the engine's writes for the
    duration (one pass over the hourly tables: tens of seconds at 10M attendances, so
    off-peak), so no batch adds to a row between its deletion and its re-derivation."""
    only = "" if group_ids is None else "WHERE h.group_id = ANY(%s)"
    params = [] if group_ids is None else [list(group_ids)]
    tables = ((GroupDay, GroupHour, "h.group_id"), (AgentDay, AgentHour, "h.group_id, h.agent_id"))
    with transaction.atomic(), connection.cursor() as cursor:
        day_tables = ", ".join(day._meta.db_table for day, _, _ in tables)
        cursor.execute(f"LOCK TABLE {day_tables} IN SHARE ROW EXCLUSIVE MODE")
        for day_model, hour_model, ids in tables:
            day_table, hour_table = day_model._meta.db_table, hour_model._meta.db_table
            cursor.execute(f"DELETE FROM {day_table} AS h {only}", params)  # noqa: S608 - names only
            cursor.execute(
                f"INSERT INTO {day_table} (day, {ids.replace('h.', '')}, time_zone, {', '.join(COLUMNS)}) "  # noqa: S608
                f"SELECT (h.hour AT TIME ZONE c.time_zone)::date, {ids}, c.time_zone, {_sums_sql('h.')} "
                f"FROM {hour_table} AS h JOIN {_TABLES} ON g.id = h.group_id {only} GROUP BY 1, {ids}, c.time_zone",
                params,
            )
