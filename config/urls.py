from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from attendance.engine_api import AgentLogoutView, AgentPresenceView, InboundView, PresenceView
from attendance.public_media import public_media
from core.views import health
from privacy.api import CustomerAnonymizeView, CustomerExportView
from privacy.urls import urlpatterns as privacy_pages
from providers.api import ChannelDeliveriesView, RotateWebhookSecretView
from providers.webhooks import provider_webhook
from reports.urls import api_urlpatterns as reports_api
from reports.urls import urlpatterns as reports_pages
from users import views as user_views
from users.api import PasswordChangeView, TokenRevokeView, TokenView
from workspace import views as workspace_views
from workspace.api import ActiveMessageView

from .api_router import router

urlpatterns = [
    path("", user_views.home, name="home"),
    path("health/", health, name="health"),
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True)),
    path("accounts/login/", user_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", user_views.auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", user_views.PasswordChangeView.as_view(), name="password_change"),
    path("workspace/", workspace_views.page, name="workspace"),
    path("workspace/", include("workspace.urls")),
    path("api/v1/active-messages/", ActiveMessageView.as_view(), name="api-active-messages"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/auth/token/revoke/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/v1/auth/password/", PasswordChangeView.as_view(), name="api-password"),
    path("api/v1/inbound/", InboundView.as_view(), name="api-inbound"),
    path("api/v1/channels/<int:pk>/deliveries/", ChannelDeliveriesView.as_view(), name="api-channel-deliveries"),
    path(
        "api/v1/channels/<int:pk>/rotate-webhook-secret/",
        RotateWebhookSecretView.as_view(),
        name="api-channel-rotate-webhook-secret",
    ),  # fmt: skip
    path("webchat/", include("webchat.urls")),
    path("webhooks/<str:provider>/<str:public_id>/", provider_webhook, name="provider-webhook"),
    # Signed, expiring URLs of outbound files for providers that fetch them (Twilio).
    path("public-media/<int:pk>/<int:expires>/<str:signature>/", public_media, name="public-media"),
    path("api/v1/agents/me/presence/", PresenceView.as_view(), name="api-presence"),
    path("api/v1/agents/<int:pk>/presence/", AgentPresenceView.as_view(), name="api-agent-presence"),
    path("api/v1/agents/<int:pk>/logout/", AgentLogoutView.as_view(), name="api-agent-logout"),
    path("api/v1/customers/<int:pk>/anonymize/", CustomerAnonymizeView.as_view(), name="api-customer-anonymize"),
    path("api/v1/customers/<int:pk>/export/", CustomerExportView.as_view(), name="api-customer-export"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *reports_api,
    *reports_pages,
    *privacy_pages,
    path("api/v1/", include(router.urls)),
]

# JSON for /api/ paths, Django's pages elsewhere (core.views).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
