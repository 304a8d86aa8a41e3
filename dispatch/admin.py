from django.contrib import admin

from .models import AutomatedSite, DeliveryReading, DispatchRun, Instruction, OpenPosition


@admin.register(Instruction)
class InstructionAdmin(admin.ModelAdmin):
    list_display = ["id", "site", "interval_start", "target_mw", "reduction_mw", "state"]
    list_filter = ["state", "market_day", "node_code"]


admin.site.register([AutomatedSite, DeliveryReading, DispatchRun, OpenPosition])
