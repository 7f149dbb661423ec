from django.contrib import admin

from labour.models import DistrictHead, HRAgency, PartnerRegion


@admin.register(PartnerRegion)
class PartnerRegionAdmin(admin.ModelAdmin):
    """Administrators keep the city's "20+20" partner regions; the demo rows are marked until replaced."""

    list_display = ("division", "note", "is_active", "is_demo")
    list_filter = ("is_active", "is_demo")
    autocomplete_fields = ("division",)
    search_fields = ("division__code", "division__full_name")


@admin.register(DistrictHead)
class DistrictHeadAdmin(admin.ModelAdmin):
    list_display = ("district", "user")
    list_filter = ("district",)
    raw_id_fields = ("user",)


@admin.register(HRAgency)
class HRAgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "licence_number", "district", "is_active")
    list_filter = ("district", "is_active")
    search_fields = ("name", "credit_code", "licence_number")
    raw_id_fields = ("regions", "created_by")
