"""``manage.py reports_rebuild_days [--company ID]``: re-derive the daily rollups from the
hourly ones in the companies' current time zones (after a company's time zone changed;
``reports.days``). Until then the report reads those groups' hourly rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from attendance.models import ServiceGroup
from organisation.models import Company
from reports.days import days_rebuild


class Command(BaseCommand):
    help = "Re-derive the daily report rollups from the hourly ones (after a company's time zone changed)."

    def add_arguments(self, parser):
        parser.add_argument("--company", type=int, help="only this company's groups (its id)")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("reports_rebuild_days needs PostgreSQL")
        groups = None
        if options["company"] is not None:
            if not Company.objects.filter(pk=options["company"]).exists():
                raise CommandError(f"no company {options['company']}")
            groups = list(
                ServiceGroup.objects.filter(operation__company_id=options["company"]).values_list("pk", flat=True)
            )
        days_rebuild(groups)
        self.stdout.write("the daily rollups were re-derived from the hourly ones")
