"""``createsuperuser`` creating an admin-role user, with the password policy on every path
(Django skips validation for ``--noinput``; Atende does not)."""

from __future__ import annotations

import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    help = "Creates an administrator (role admin) of the first active company."

    def handle(self, *args, **options):
        if not options.get("interactive"):
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
            if password:
                try:
                    validate_password(password)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from None
        try:
            return super().handle(*args, **options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
