from django.contrib.admin.apps import AdminConfig


class AtendeAdminConfig(AdminConfig):
    """Django's admin with Atende's site (``core.sites.AtendeAdminSite``)."""

    default_site = "core.sites.AtendeAdminSite"
