"""Nothing registered without a matrix entry: admin models, API resources and their
actions, extra admin URLs, and every other URL of ``config.urls``."""

from __future__ import annotations

from pathlib import Path

from django.contrib import admin

from .expectations import SITE_EXPECTATIONS, SITE_EXPLICIT
from .targets import EXPLICIT_ACTIONS, admin_extra_urls, site_url_names, site_urls
from .world import ATTENDANCES, SAMPLES, admin_models, api_resources, missing_builder


def test_every_admin_model_has_a_sample_builder():
    missing = [missing_builder(m) for m in admin_models() if m._meta.label not in SAMPLES]
    assert not missing, "\n".join(missing)


def test_every_api_resource_has_a_sample_builder():
    problems = []
    for prefix, viewset, _, model in api_resources():
        if prefix in EXPLICIT_ACTIONS:
            known, where = EXPLICIT_ACTIONS[prefix]
            actions = {(a.url_name, method) for a in viewset.get_extra_actions() for method in a.mapping}
            unknown = {(name, method) for name, method in actions if name not in known or method not in known[name]}
            if unknown:
                problems.append(
                    f"API resource '{prefix}': actions {sorted(unknown)} have no expectations "
                    f"({where} in tests/access/targets.py)"
                )
            continue
        if model is None:
            problems.append(
                f"API resource '{prefix}' ({viewset.__name__}) has no model queryset: "
                "give it explicit expectations in tests/access/targets.py"
            )
        elif model._meta.label not in SAMPLES:
            problems.append(f"{missing_builder(model)} (API resource '{prefix}')")
    assert not problems, "\n".join(problems)


def test_every_extra_admin_url_has_expectations(world):
    standard = {"changelist", "add", "history", "delete", "change"}
    registered = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if name and not (name.startswith(prefix) and name[len(prefix) :] in standard):
                registered.add(name)
    covered = {target.name for target in admin_extra_urls(world)}
    missing = sorted(registered - covered)
    assert not missing, (
        "admin URLs without expectations (add them to admin_extra_urls in tests/access/targets.py): "
        + ", ".join(missing)
    )


def test_every_plain_api_url_has_expectations():
    from django.urls import URLPattern

    from config.urls import urlpatterns

    names = {p.name for p in urlpatterns if isinstance(p, URLPattern) and str(p.pattern).startswith("api/")}
    missing = sorted(names - set(SITE_EXPECTATIONS) - set(SITE_EXPLICIT))
    assert not missing, "API URLs without expectations (SITE_EXPECTATIONS in tests/access/expectations.py): " + (
        ", ".join(missing)
    )


def test_every_site_url_has_expectations():
    """Every URL outside the admin and the router (pages, workspace views, webhooks, the
    plain API views, health…) has a rule in SITE_EXPECTATIONS and a request in site_urls,
    or a test of its own named in SITE_EXPLICIT that exists."""
    names = site_url_names()
    missing = sorted(names - set(SITE_EXPECTATIONS) - set(SITE_EXPLICIT))
    assert not missing, "URLs without expectations (SITE_EXPECTATIONS in tests/access/expectations.py): " + (
        ", ".join(missing)
    )
    stale = sorted((set(SITE_EXPECTATIONS) | set(SITE_EXPLICIT)) - names)
    assert not stale, f"expectations for URLs that no longer exist: {stale}"
    requested = {target.name for target in site_urls(_FakeWorld())}
    never = sorted(set(SITE_EXPECTATIONS) - requested)
    assert not never, (
        f"URLs with a rule but never requested (add them to site_urls in tests/access/targets.py): {never}"
    )
    here = Path(__file__).parent
    for name, where in SITE_EXPLICIT.items():
        module, test = where.split("::")
        assert f"def {test}(" in (here / module).read_text(encoding="utf-8"), f"{name}: {where} does not exist"


class _FakeWorld:
    """Enough of a world to list the URLs: attendance and message ids that need not exist."""

    def __init__(self):
        from types import SimpleNamespace

        self.attendances = {key: SimpleNamespace(pk=index + 1) for index, key in enumerate(ATTENDANCES)}
        self.media = {key: SimpleNamespace(pk=index + 1) for index, key in enumerate(ATTENDANCES)}
