"""Playwright fixtures (headless system Chromium); the browser tests' helper writes these."""
