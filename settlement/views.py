"""Pages of settlement: the meter data upload (operators, for their organisation's sites).

GET shows the form and the organisation's recent uploads; a POST with a CSV stores it all or
nothing (:func:`settlement.meter_store.upload_csv`); a refused file is a 400 listing every bad
row and field. Traders and regulators get a 403 (they read meter data through the API).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from vpp.errors import ApplicationError
from vpp.roles import role_required

from . import meter_store
from .meters import MeterIntakeError
from .models import MeterUpload


class MeterUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns site_code, interval_start, value, unit")


def _recent(user) -> list[MeterUpload]:
    qs = MeterUpload.objects.select_related("uploaded_by")
    if not user.is_admin_role:
        qs = qs.filter(organisation_id=user.organisation_id)
    return list(qs[:20])


@role_required("operator")
def meter_upload(request):
    form = MeterUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "error_rows": [], "uploads": _recent(request.user)}
    if request.method != "POST":
        return render(request, "settlement/upload.html", context)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = meter_store.upload_csv(
                actor=request.user, content=upload.read(), filename=upload.name
            )
        except MeterIntakeError as exc:
            form.add_error(None, "Nothing was stored: fix these rows and upload the file again.")
            context["error_rows"] = [
                {"where": key.rsplit(".", 1)[0], "field": key.rsplit(".", 1)[-1], "message": m}
                for key, msgs in exc.errors.items()
                for m in msgs
            ]
        except ApplicationError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            u = result.upload
            if result.created:
                messages.success(
                    request,
                    f"Stored {u.rows_stored} new reading(s) or version(s); "
                    f"{u.rows_unchanged} unchanged.",
                )
            else:
                messages.info(request, f"This file was uploaded before (upload {u.pk}): "
                              "nothing changed.")  # fmt: skip
            return redirect("settlement:meter-upload")
    return render(request, "settlement/upload.html", context, status=400)
