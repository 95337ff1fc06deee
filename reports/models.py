"""Hourly rollups the engine keeps in the same transaction as each change (SPEC §9).

Counts and sums only, never averages: every figure on the screens is a ratio of sums
(``wait_sum / assigned``), so any set of hours, groups or agents combines exactly
(Chatwoot's ``reporting_events_rollups``). One row per UTC hour and group
(``GroupHour``), and per UTC hour, group and agent (``AgentHour``, only facts that have an
agent). Rows are written by ``reports.rollups.rollup_record`` alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden


class Rollup(models.Model):
    hour = models.DateTimeField()  # the UTC hour the facts happened in (minutes and seconds zero)
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

    def __str__(self) -> str:
        return f"{self.group_id} @ {self.hour:%Y-%m-%d %H}h"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


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
