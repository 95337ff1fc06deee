"""Load the demo data (safe to run again) and print the demo logins."""

from django.core.management.base import BaseCommand

from core.demo import seed_demo


class Command(BaseCommand):
    help = "Loads Atende's demo data (idempotent) and prints the demo logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (http://127.0.0.1:8000/):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.password:<16} {login.role:<17} {login.operation}")
