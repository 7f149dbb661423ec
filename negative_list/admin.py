from django.contrib import admin

from negative_list.models import Industry


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "section", "division"]
    list_filter = ["level", "section"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
