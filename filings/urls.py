from django.urls import path

from filings import views

app_name = "filings"

urlpatterns = [
    path("", views.filing_mine, name="mine"),
    path("new/", views.filing_start, name="start"),
    path("queue/", views.queue, name="queue"),
    path("queue/approve/", views.bulk_approve, name="bulk_approve"),
    path("queue/export.xlsx", views.queue_export, name="queue_export"),
    path("templates/<slug:kind>/", views.material_template, name="material_template"),
    path("materials/<int:pk>/", views.material_file, name="material"),
    path("<int:pk>/", views.filing_detail, name="detail"),
    path("<int:pk>/scope/", views.step_scope, name="step_scope"),
    path("<int:pk>/measures/", views.step_measures, name="step_measures"),
    path("<int:pk>/materials/", views.step_materials, name="step_materials"),
    path("<int:pk>/materials/roster-from-portal/", views.attach_roster, name="attach_roster"),
    path("<int:pk>/check/", views.step_check, name="step_check"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/resumption/", views.record_resumption, name="resumption"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/guidance/", views.guidance, name="guidance"),
]
