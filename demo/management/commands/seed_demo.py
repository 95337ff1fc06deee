"""Load the demo data (safe to run again) and print the demo logins."""

import os

from django.core.management.base import BaseCommand

from demo.loader import seed_demo


class Command(BaseCommand):
    help = "Loads Atende's demo data (idempotent) and prints the demo logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        url = f"http://127.0.0.1:{os.environ.get('ATENDE_PORT', '8000')}/"  # make run's port
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins ({url}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.password:<16} {login.role:<17} {login.operation}")
