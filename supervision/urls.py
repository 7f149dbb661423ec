from django.urls import path

from supervision import views

app_name = "supervision"

checklists = views.checklists

urlpatterns = [
    # Training (clause 13)
    path("training/", views.training_list, name="training_list"),
    path("training/export.xlsx", views.training_export, name="training_export"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/", views.training_detail, name="training_detail"),
    path("training/<int:pk>/material/", views.training_material, name="training_material"),
    path("training/status/<int:enterprise_pk>/", views.training_status, name="training_status"),
    # Checklists: versioned data, commanders and administrators
    path("checklists/", checklists.manage_list, name="checklist_manage"),
    path("checklists/new/", checklists.manage_create, name="checklist_create"),
    path("checklists/template.xlsx", checklists.manage_import_template, name="checklist_template"),
    path("checklists/<int:pk>/", checklists.manage_detail, name="checklist_detail"),
    path("checklists/<int:pk>/publish/", checklists.manage_publish, name="checklist_publish"),
    path("checklists/<int:pk>/import/", checklists.manage_import, name="checklist_import"),
    path("checklists/<int:pk>/export.xlsx", checklists.manage_export, name="checklist_export"),
    path("checklists/items/<int:pk>/remove/", checklists.manage_remove, name="checklist_remove"),
    # Inspection rounds and visits (clause 14)
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/export.xlsx", views.round_export, name="round_export"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/targets/", views.round_targets, name="round_targets"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/export.xlsx", views.visit_export, name="visit_export"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/record/", views.visit_record, name="visit_record"),
    path("photos/<int:pk>/", views.visit_photo, name="visit_photo"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/export.xlsx", views.finding_export, name="finding_export"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/<str:action>/", views.finding_act, name="finding_act"),
    # Public notices (通报)
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/export.xlsx", views.notice_export, name="notice_export"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("notices/<int:pk>/<str:action>/", views.notice_act, name="notice_act"),
    # Figures blocks the dashboards load
    path("figures/city/", views.figures_city, name="figures_city"),
    path("figures/district/<int:pk>/", views.figures_district, name="figures_district"),
]
