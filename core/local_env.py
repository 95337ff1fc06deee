"""Local development settings written by `make run` (``<ATENDE_VAR_DIR>/local.env``).

``make run`` writes a generated ``SECRET_KEY`` and ``DEBUG=1`` there once, so that every
``python manage.py …``, ``simulate`` and ``celery -A config …`` of that checkout works with
nothing exported. ``config/settings/base.py`` reads the file only when it is the settings
module in use (never under ``config.settings.production`` or ``test``), and a variable
already in the environment always wins. Plain ``NAME=value`` lines; ``#`` comments.

No Django import here: the settings and the supervisor (``bin/supervise.py``) use it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILENAME = "local.env"
HEADER = (
    "# Local development settings written by `make run` for this checkout only.\n"
    "# Read by config.settings.base when the environment does not set a variable;\n"
    "# never by config.settings.production. Do not copy this file to a server.\n"
)


def local_env_read(*, path: Path) -> dict[str, str]:
    """The file's variables (empty when it does not exist)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return values
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        values[name.strip()] = value.strip()
    return values


def local_env_load(*, path: Path) -> list[str]:
    """Puts the file's variables that the environment lacks into ``os.environ``; returns
    their names."""
    loaded = []
    for name, value in local_env_read(path=path).items():
        if name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded


def local_env_write(*, path: Path) -> dict[str, str]:
    """Creates the file (owner-only) with a new secret key and ``DEBUG=1``, keeping what an
    existing file says: the key must survive restarts, or every session would end."""
    values = local_env_read(path=path)
    defaults = {"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "1"}
    missing = {name: value for name, value in defaults.items() if name not in values}
    if missing or not path.exists():
        values.update(missing)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(HEADER + "".join(f"{name}={value}\n" for name, value in values.items()))
        os.replace(temporary, path)
    return values
