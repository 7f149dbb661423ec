from django.urls import path

from enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("export.xlsx", views.enterprise_export, name="export"),
    path("new/", views.enterprise_create, name="create"),
    path("mine/", views.enterprise_mine, name="mine"),
    path("register/", views.register, name="register"),
    path("pending/", views.pending_list, name="pending"),
    path("import/", views.enterprise_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("flags/import/", views.flags_import, name="flags_import"),
    path("flags/template.xlsx", views.flags_template, name="flags_template"),
    path("<int:pk>/flags/", views.enterprise_flags, name="flags"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/confirm/", views.enterprise_confirm, name="confirm"),
    path("<int:pk>/reject/", views.enterprise_reject, name="reject"),
    path("<int:pk>/accounts/new/", views.account_create, name="account_create"),
]
