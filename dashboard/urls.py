from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("city/", views.city, name="city"),
    path("city/screen/", views.city_screen, name="city_screen"),
    path("city/data/<slug:chart>.json", views.city_data, name="city_data"),
    path("district/<int:pk>/", views.district, name="district"),
    path("district/<int:pk>/screen/", views.district_screen, name="district_screen"),
    path("district/<int:pk>/data/<slug:chart>.json", views.district_data, name="district_data"),
    path("industry/<int:pk>/", views.industry, name="industry"),
    path("industry/<int:pk>/screen/", views.industry_screen, name="industry_screen"),
    path("industry/<int:pk>/data/<slug:chart>.json", views.industry_data, name="industry_data"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/export.xlsx", views.enterprise_export, name="enterprises_export"),
]
