"""Role × URL access matrix (SPEC §0, §7, §9, §10, §12 R4): every URL, per role.

Roles: anonymous, admin (ana), supervisor of A (bia), supervisor of B (caio),
supervisor-agent of A (davi), agent of A (eva); gil, a second agent of A, where the
ownership of an attendance or a file matters.

- ``world.py``: operations A and B, the named users, one sample object per side of every
  model, the attendances, import jobs and files (``build_world``, the ``world`` fixture).
- ``targets.py``: the URLs, enumerated from the admin's registry, the API router and
  ``config.urls``: nothing registered escapes the matrix (``test_coverage.py`` fails with
  what to add where).
- ``expectations.py``: what each role should get, per surface.
- ``checks.py`` / ``site_checks.py``: the runners, which request every URL as a role and
  report each wrong status and each leak (a name, protocol, message or file of what the
  role may not see; a channel token).
- ``test_*.py``: one file per surface — admin screens, API model resources, import jobs,
  attendances, the site's other URLs (supervisor pages and report APIs, the workspace,
  health), the plain API views, the workspace's writes, provider webhooks, the readable
  history.

A new URL without an expectation makes ``test_coverage.py`` fail: add a sample builder
(``SAMPLES``), an extra admin URL (``admin_extra_urls``), or a rule in
``SITE_EXPECTATIONS`` and a request in ``site_urls``.
"""
