from django.urls import path

from workforce import views

app_name = "workforce"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("capacity/", views.capacity, name="capacity"),
    path("status/", views.reporting_status, name="status"),
    path("status/remind/", views.remind, name="remind"),
    path("status/not-reported.xlsx", views.not_reported_export, name="not_reported_export"),
    path("import/", views.import_reports, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("summaries/", views.summaries, name="summaries"),
    path("summaries/rebuild/", views.rebuild, name="rebuild"),
    path("summaries/<str:day>/", views.summary_day, name="summary_day"),
    path("summaries/<str:day>/workbook.xlsx", views.workbook, name="workbook"),
]
