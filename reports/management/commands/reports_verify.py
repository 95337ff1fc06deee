"""``manage.py reports_verify --date YYYY-MM-DD``: recompute a local day from the raw
attendances, events and survey answers and print every figure that differs from the
rollups (exit status 1 when one does)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from attendance.models import ServiceGroup
from organisation.models import Company
from reports.recompute import verify_day


class Command(BaseCommand):
    help = "Recompute a day's figures from raw attendances and events and compare them with the rollups."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="the company's local day, YYYY-MM-DD")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        lines = []
        # Each company's groups over that company's local day.
        for time_zone in sorted(set(Company.objects.values_list("time_zone", flat=True))):
            groups = ServiceGroup.objects.filter(operation__company__time_zone=time_zone)
            lines += verify_day(day, time_zone, set(groups.values_list("pk", flat=True)))
        for line in lines:
            self.stdout.write(line)
        if lines:
            raise CommandError(f"{len(lines)} figure(s) differ from the recomputation of {day}", returncode=1)
        self.stdout.write(f"{day}: the rollups equal the recomputation")
