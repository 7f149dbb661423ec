from django.urls import path

from negative_list import views

app_name = "negative_list"

urlpatterns = [
    path("industries/", views.industry_search, name="industries"),
    path("industries/name/", views.industry_name, name="industry_name"),
    path("negative-list/", views.public, name="public"),
    path("negative-list/versions/<int:pk>/", views.version_detail, name="version"),
    path("negative-list/versions/<int:pk>/export.xlsx", views.version_export, name="version_export"),
    path("negative-list/manage/", views.manage.manage_list, name="manage"),
    path("negative-list/manage/new/", views.manage.manage_create, name="manage_create"),
    path("negative-list/manage/template.xlsx", views.manage.manage_import_template, name="manage_import_template"),
    path("negative-list/manage/<int:pk>/", views.manage.manage_detail, name="manage_detail"),
    path("negative-list/manage/<int:pk>/publish/", views.manage.manage_publish, name="manage_publish"),
    path("negative-list/manage/<int:pk>/import/", views.manage.manage_import, name="manage_import"),
    path("negative-list/manage/<int:pk>/export.xlsx", views.manage.manage_export, name="manage_export"),
    path("negative-list/manage/entries/<int:pk>/remove/", views.manage.manage_remove, name="manage_entry_remove"),
]
