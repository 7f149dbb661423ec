"""Forms of the daily health sheet: one grid row per worker on the page, and closing an incident."""

from datetime import date, datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passes.models import HealthIncident, HealthReading
from passes.services.health import ReadingInput, reading_errors
from passes.services.roster import TEMPERATURE_MAX, TEMPERATURE_MIN

ROW_FIELDS = ("temperature", "taken_at", "symptoms", "quarantine_ended", "test_result", "tested_on")


class HealthSheetForm(forms.Form):
    """Fields `<name>-<worker id>` for each worker of the page; rows left empty record nothing."""

    def __init__(self, *args, workers, day: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers, self.day = list(workers), day
        for w in self.workers:
            self.fields[f"temperature-{w.pk}"] = forms.DecimalField(
                label=_("体温"),
                required=False,
                max_digits=3,
                decimal_places=1,
                min_value=TEMPERATURE_MIN,
                max_value=TEMPERATURE_MAX,
                widget=forms.NumberInput(
                    attrs={"step": "0.1", "inputmode": "decimal", "class": "form-control form-control-sm t-in"}
                ),
            )
            self.fields[f"taken_at-{w.pk}"] = forms.TimeField(
                label=_("时间"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}),
            )
            self.fields[f"symptoms-{w.pk}"] = forms.BooleanField(
                label=_("有症状"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )
            self.fields[f"quarantine_ended-{w.pk}"] = forms.BooleanField(
                label=_("解除隔离"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )
            self.fields[f"test_result-{w.pk}"] = forms.ChoiceField(
                label=_("核酸"),
                required=False,
                choices=HealthReading.TestResult.choices,
                initial=HealthReading.TestResult.NONE,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"tested_on-{w.pk}"] = forms.DateField(
                label=_("检测日期"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
            )

    def row(self, worker) -> list:
        return [self[f"{name}-{worker.pk}"] for name in ROW_FIELDS]

    def clean(self):
        data = super().clean()
        now = timezone.now()
        self.entries: list[ReadingInput] = []
        for w in self.workers:
            if any(f"{name}-{w.pk}" in self.errors for name in ROW_FIELDS):
                continue
            clock = data.get(f"taken_at-{w.pk}")
            entry = ReadingInput(
                worker_id=w.pk,
                temperature=data.get(f"temperature-{w.pk}"),
                # A time typed alone is a time on the sheet's day.
                taken_at=timezone.make_aware(datetime.combine(self.day, clock)) if clock else None,
                symptoms=bool(data.get(f"symptoms-{w.pk}")),
                quarantine_ended=bool(data.get(f"quarantine_ended-{w.pk}")),
                test_result=data.get(f"test_result-{w.pk}") or HealthReading.TestResult.NONE,
                tested_on=data.get(f"tested_on-{w.pk}"),
            )
            if entry.is_empty():
                continue
            for name, message in reading_errors(entry, day=self.day, now=now).items():
                self.add_error(f"{name}-{w.pk}", message)
            self.entries.append(entry)
        if not self.errors and not self.entries:
            raise forms.ValidationError(_("没有填写任何登记。"))
        return data


class IncidentCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处置结果"), choices=HealthIncident.Outcome.choices)
    note = forms.CharField(label=_("处置说明"), max_length=255, required=False)


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *HealthIncident.Status.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
