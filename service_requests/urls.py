from django.urls import path

from service_requests import views, views_access

app_name = "service_requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.raise_request, name="raise"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("linkage/", views.linkage_list, name="linkage"),
    path("linkage/import/", views.linkage_import, name="linkage_import"),
    path("linkage/template.xlsx", views.linkage_template, name="linkage_template"),
    path("linkage/export.xlsx", views.linkage_export, name="linkage_export"),
    path("linkage/<int:pk>/", views.linkage_edit, name="linkage_edit"),
    path("lookbacks/", views.lookbacks, name="lookbacks"),
    path("lookbacks/<int:pk>/", views.lookback_record, name="lookback_record"),
    # Public: a pass holder turned away at a community, from the pass's own page (the QR link).
    path("access/<str:token>", views_access.access_complaint, name="access_complaint"),
]
