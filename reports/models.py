"""Hourly and daily rollups the engine keeps in the same transaction as each change (SPEC §9).

Counts and sums only, never averages: every figure on the screens is a ratio of sums
(``wait_sum / assigned``), so any set of hours, groups or agents combines exactly
(Chatwoot's ``reporting_events_rollups``). One row per UTC hour and group
(``GroupHour``), and per UTC hour, group and agent (``AgentHour``, only facts that have an
agent). Rows are written by ``reports.rollups.rollup_record`` alone.

The daily rows (``GroupDay``, ``AgentDay``) are the same sums per local day of the
group's company: an hourly row belongs to the local date its UTC hour starts in (the
rule the report's ``by=day`` applies to the hourly rows), so a day's row is exactly the
sum of its hourly rows. They let a report over weeks read one row per day instead of 24
(``reports.days``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden


class Sums(models.Model):
    group = models.ForeignKey("attendance.ServiceGroup", on_delete=models.PROTECT, related_name="+", db_index=False)
    queued = models.IntegerField(default=0)
    assigned = models.IntegerField(default=0)
    wait_sum = models.FloatField(default=0)
    wait_max = models.FloatField(default=0)
    sla_met = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    handling_sum = models.FloatField(default=0)
    csat_answers = models.IntegerField(default=0)
    csat_satisfied = models.IntegerField(default=0)
    nps_answers = models.IntegerField(default=0)
    nps_promoters = models.IntegerField(default=0)
    nps_detractors = models.IntegerField(default=0)

    scope_path = "group__operation"

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class Rollup(Sums):
    hour = models.DateTimeField()  # the UTC hour the facts happened in (minutes and seconds zero)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.group_id} @ {self.hour:%Y-%m-%d %H}h"


class DayRollup(Sums):
    day = models.DateField()  # the local date (the group's company's time zone) the UTC hours start in
    # The zone ``day`` was computed in; "" when hours of two zones were added to the row
    # (the company's time zone changed): the report then reads that group's hourly rows.
    time_zone = models.CharField(max_length=64)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.group_id} @ {self.day:%Y-%m-%d}"


class GroupHour(Rollup):  # noqa: DJ008 - __str__ is the base's
    class Meta:
        verbose_name = _("hourly figures of a group")
        default_permissions = ()
        # The permissions the reports add to the profiles (the dashboard and the
        # service-level report use attendance.view_dashboard / view_service_level_report).
        permissions = [
            ("view_survey_results", _("Can view the survey results")),
            ("monitor_attendances", _("Can monitor, transfer and close the attendances of their operations")),
        ]
        constraints = [
            # The upsert's conflict target; also serves every read (a range of hours, some groups).
            models.UniqueConstraint(fields=["hour", "group"], name="reports_grouphour_key"),
        ]


class AgentHour(Rollup):  # noqa: DJ008 - __str__ is the base's
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("hourly figures of an agent")
        default_permissions = ()
        constraints = [
            # The upsert's conflict target; also the report by agent over a range of hours.
            models.UniqueConstraint(fields=["hour", "group", "agent"], name="reports_agenthour_key"),
        ]
        indexes = [
            # The report filtered by one agent (agent=…) over a range of hours.
            models.Index(fields=["agent", "hour"], name="reports_agenthour_agent"),
        ]


class GroupDay(DayRollup):  # noqa: DJ008 - __str__ is the base's
    class Meta:
        verbose_name = _("daily figures of a group")
        default_permissions = ()
        constraints = [
            # The upsert's conflict target; also the report by day or group over a range of days.
            models.UniqueConstraint(fields=["day", "group"], name="reports_groupday_key"),
        ]


class AgentDay(DayRollup):  # noqa: DJ008 - __str__ is the base's
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("daily figures of an agent")
        default_permissions = ()
        constraints = [
            # The upsert's conflict target; also the report by agent over a range of days.
            models.UniqueConstraint(fields=["day", "group", "agent"], name="reports_agentday_key"),
        ]
        indexes = [
            # The report filtered by one agent (agent=…) over a range of days.
            models.Index(fields=["agent", "day"], name="reports_agentday_agent"),
        ]
