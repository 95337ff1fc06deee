#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    try:
        import django  # noqa: F401
    except ImportError:
        # `python manage.py …` typed in a shell without the virtualenv that `make run`
        # created: run the command with that virtualenv's Python instead of failing.
        venv = Path(__file__).resolve().parent / ".venv"
        if (venv / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv.resolve():
            os.execv(venv / "bin" / "python", [str(venv / "bin" / "python"), *sys.argv])  # noqa: S606
        raise
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
