"""Authentication backend: username/password, then the work-hours rule (SPEC §2)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    """Django's model backend; permissions come from ``User.has_perm`` (role + profile).

    Work hours are checked by the login form, the token view and the token
    authentication class, which can show the user why they were refused.
    """

    def get_user_permissions(self, user_obj, obj=None):
        return user_obj.get_all_permissions(obj)

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return user_obj.get_all_permissions(obj)

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.has_perm(perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return user_obj.has_module_perms(app_label)
