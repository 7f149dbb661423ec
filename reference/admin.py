from django.contrib import admin

from reference.models import Community, District, Division, Industry, IndustryAuthority


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sort_order"]
    list_editable = ["sort_order"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "district", "is_demo"]
    list_filter = ["district", "is_demo"]
    search_fields = ["name", "code"]


@admin.register(IndustryAuthority)
class IndustryAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    filter_horizontal = ["industries"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "section", "division"]
    list_filter = ["level", "section"]
    search_fields = ["code", "name", "name_pinyin"]
    raw_id_fields = ["parent"]


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]
    raw_id_fields = ["parent"]
