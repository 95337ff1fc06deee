"""Settings of ``bench/inbound.py``'s gunicorn: production settings with the bench-only
URLconf that adds the bare floor view (bench/bare_inbound.py) next to the product's URLs."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.bare_inbound"
