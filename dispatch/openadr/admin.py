from django.contrib import admin

from .models import Event, OAuthClient, Program, Report, Resource, Ven


@admin.register(OAuthClient)
class OAuthClientAdmin(admin.ModelAdmin):
    list_display = ("client_id", "name", "kind", "active", "created_at")
    readonly_fields = ("client_id", "secret_hash", "kind", "created_at")


@admin.register(Ven)
class VenAdmin(admin.ModelAdmin):
    list_display = ("ven_name", "client_id", "site", "modified_at")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "program", "ven", "instruction", "delivered_at", "delivery_error")
    list_select_related = ("program", "ven")


admin.site.register(Program)
admin.site.register(Resource)
admin.site.register(Report)
