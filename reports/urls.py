"""The reports' pages and API routes (SPEC §9), included by ``config/urls.py``."""

from django.urls import path

from . import api, views

api_urlpatterns = [
    path("api/v1/dashboard/", api.DashboardView.as_view(), name="api-dashboard"),
    path("api/v1/reports/service-level/", api.ServiceLevelView.as_view(), name="api-service-level"),
    path("api/v1/reports/surveys/", api.SurveyResultsView.as_view(), name="api-survey-results"),
]

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("reports/service-level/", views.service_level_page, name="service-level"),
    path("reports/surveys/", views.surveys_page, name="survey-results"),
    path("monitor/", views.monitor_list, name="monitor"),
    path("monitor/<int:pk>/", views.monitor_detail, name="monitor-detail"),
    path("monitor/<int:pk>/media/<int:message>/", views.monitor_media, name="monitor-media"),
]
