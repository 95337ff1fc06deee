"""Load the demo data (safe to run again) and print the demo logins."""

import os

from django.core.management.base import BaseCommand

from demo.loader import DEMO_CHANNEL, demo_channel_token, seed_demo


class Command(BaseCommand):
    help = "Loads Atende's demo data (idempotent) and prints the demo logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        url = f"http://127.0.0.1:{os.environ.get('ATENDE_PORT', '8000')}/"  # make run's port
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins ({url}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.password:<16} {login.role:<17} {login.operation}")
        token = demo_channel_token()
        self.stdout.write(f"Channel “{DEMO_CHANNEL}” (new token on each load): {token}")
        self.stdout.write(
            f"  curl -X POST {url}api/v1/inbound/ -H 'Authorization: Bearer {token}' "
            "-H 'Content-Type: application/json' "
            """-d '{"network": "whatsapp", "phone": "34991234567", "display_name": "Ana Luíza", "text": "Oi"}'"""
        )
