from django import forms

from core.forms import fields_only_helper
from workforce.models import CapacityReport, WorkforceReport
from workforce.services import CAPACITY_FIELDS, REPORT_FIELDS, workforce_report_errors


class WorkforceReportForm(forms.ModelForm):
    class Meta:
        model = WorkforceReport
        fields = REPORT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        for field in self.fields.values():
            field.widget.attrs.update({"inputmode": "numeric", "min": 0})

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) is not None for name in REPORT_FIELDS):
            for field, message in workforce_report_errors(cleaned).items():
                self.add_error(field, message)
        return cleaned


class CapacityReportForm(forms.ModelForm):
    class Meta:
        model = CapacityReport
        fields = CAPACITY_FIELDS
        widgets = {"blockers": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
