"""Every API resource under /api/v1/ (SPEC §10)."""

from rest_framework.routers import DefaultRouter

from attendance.api import CompanyViewSet, OperationViewSet
from users.api import ProfileViewSet, UserViewSet

router = DefaultRouter()
router.register("companies", CompanyViewSet)
router.register("operations", OperationViewSet)
router.register("users", UserViewSet)
router.register("profiles", ProfileViewSet)
