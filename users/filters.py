from __future__ import annotations

from core.filters import FilterSet

from .models import Profile, User


class UserFilter(FilterSet):
    class Meta:
        model = User
        fields = {
            "is_active": ["exact"],
            "role": ["exact", "in"],
            "profile": ["exact"],
            "operations": ["exact"],
            "username": ["exact"],
        }


class ProfileFilter(FilterSet):
    class Meta:
        model = Profile
        fields = {"is_active": ["exact"], "name": ["exact", "icontains"]}
