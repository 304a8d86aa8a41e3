from django.contrib import admin

from .models import BaselineMethod, BaselineResult, MeterReading, MeterUpload


@admin.register(MeterUpload)
class MeterUploadAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "filename", "organisation", "uploaded_at", "rows_received",
                    "rows_stored", "rows_unchanged", "bulk_path"]  # fmt: skip
    list_filter = ["source"]


@admin.register(MeterReading)
class MeterReadingAdmin(admin.ModelAdmin):
    list_display = ["site", "interval_start", "load_mw", "source", "version", "is_current",
                    "flags", "estimation_method"]  # fmt: skip
    list_filter = ["source", "is_current"]
    raw_id_fields = ["site", "upload"]


@admin.register(BaselineMethod)
class BaselineMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "created_at"]


@admin.register(BaselineResult)
class BaselineResultAdmin(admin.ModelAdmin):
    list_display = ["site", "market_day", "method", "event_start", "computed_at"]
    raw_id_fields = ["site"]
