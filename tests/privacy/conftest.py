"""The reports' clock and contact centre (tests/reports/conftest.py), for the privacy
tests that check the reports' figures survive an anonymisation."""

from tests.reports.conftest import centre, clock  # noqa: F401 - fixtures
