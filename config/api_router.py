"""Every API resource under /api/v1/ (SPEC §10)."""

from rest_framework.routers import DefaultRouter

from attendance.api import BotViewSet, CompanyViewSet, OperationViewSet, ServiceGroupViewSet
from attendance.engine_api import ChannelViewSet
from calendars.api import CalendarViewSet
from classifications.api import ClassificationViewSet
from customers.api import CustomerAttributeViewSet, CustomerViewSet
from imports.api import CustomerImportViewSet, UserImportViewSet
from surveys.api import SurveyViewSet
from users.api import ProfileViewSet, UserViewSet
from workspace.api import (
    CannedResponseViewSet,
    MentionViewSet,
    PauseReasonViewSet,
    WhatsAppTemplateViewSet,
    WorkspaceAttendanceViewSet,
)

router = DefaultRouter()
router.register("companies", CompanyViewSet)
router.register("operations", OperationViewSet)
router.register("users", UserViewSet)
router.register("profiles", ProfileViewSet)
router.register("bots", BotViewSet)
router.register("groups", ServiceGroupViewSet)
router.register("surveys", SurveyViewSet)
router.register("classifications", ClassificationViewSet)
router.register("customers", CustomerViewSet)
router.register("customer-attributes", CustomerAttributeViewSet)
router.register("customer-imports", CustomerImportViewSet, basename="customer-import")
router.register("user-imports", UserImportViewSet, basename="user-import")
router.register("channels", ChannelViewSet)
router.register("attendances", WorkspaceAttendanceViewSet, basename="attendance")
router.register("canned-responses", CannedResponseViewSet)
router.register("pause-reasons", PauseReasonViewSet)
router.register("whatsapp-templates", WhatsAppTemplateViewSet)
router.register("calendars", CalendarViewSet)
router.register("mentions", MentionViewSet, basename="mention")
