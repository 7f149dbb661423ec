from django.urls import path

from negative_list import views

app_name = "negative_list"

urlpatterns = [
    path("", views.industry_search, name="industries"),
    path("name/", views.industry_name, name="industry_name"),
]
