from __future__ import annotations

import django_filters

from .models import Profile, User


class UserFilter(django_filters.FilterSet):
    class Meta:
        model = User
        fields = {
            "is_active": ["exact"],
            "role": ["exact", "in"],
            "profile": ["exact"],
            "operations": ["exact"],
            "username": ["exact"],
        }


class ProfileFilter(django_filters.FilterSet):
    class Meta:
        model = Profile
        fields = {"is_active": ["exact"], "name": ["exact", "icontains"]}
