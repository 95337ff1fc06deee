"""Every API resource under /api/v1/ (SPEC §10)."""

from rest_framework.routers import DefaultRouter

from attendance.api import BotViewSet, CompanyViewSet, OperationViewSet, ServiceGroupViewSet
from classifications.api import ClassificationViewSet
from surveys.api import SurveyViewSet
from users.api import ProfileViewSet, UserViewSet

router = DefaultRouter()
router.register("companies", CompanyViewSet)
router.register("operations", OperationViewSet)
router.register("users", UserViewSet)
router.register("profiles", ProfileViewSet)
router.register("bots", BotViewSet)
router.register("groups", ServiceGroupViewSet)
router.register("surveys", SurveyViewSet)
router.register("classifications", ClassificationViewSet)
