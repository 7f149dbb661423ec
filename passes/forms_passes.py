"""Forms of the return-pass pages. They only check shapes; the rules (who, which state, eligibility,
validity limits) are the services' and come back as their ValidationError messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import SubmissionKeyField
from passes.models import ReturnPass, Worker
from passes.services import return_passes as services

MSG_CHOOSE_PASSES = _("请先勾选要处理的通行证。")
MSG_CHOOSE_ACTION = _("请选择核发或不予核发。")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class PassApplyForm(forms.Form):
    """The enterprise's application: which of its workers, and an optional note to the district."""

    workers = forms.ModelMultipleChoiceField(
        label=_("员工"),
        queryset=Worker.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": services.MSG_NO_WORKERS},
    )
    note = forms.CharField(
        label=_("申请说明(可选)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        # Any worker of the enterprise may be posted; the service says why one cannot have a pass.
        self.fields["workers"].queryset = Worker.objects.filter(enterprise=enterprise)


class ValidityFields(forms.Form):
    valid_from = forms.DateField(label=_("有效期自"), widget=_date_input())
    valid_until = forms.DateField(label=_("有效期至"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = services.default_validity()
        self.fields["valid_from"].initial = start
        self.fields["valid_until"].initial = end


class BatchDecisionForm(ValidityFields):
    """One action on the chosen passes of a batch: issue them with a validity, or refuse with a reason."""

    ISSUE, REFUSE = "issue", "refuse"
    passes = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": MSG_CHOOSE_PASSES})
    action = forms.ChoiceField(
        label=_("审核结果"),
        choices=[(ISSUE, _("核发")), (REFUSE, _("不予核发"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=ISSUE,
        error_messages={"required": MSG_CHOOSE_ACTION, "invalid_choice": MSG_CHOOSE_ACTION},
    )
    reason = forms.CharField(
        label=_("不予核发的原因"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, pass_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passes"].choices = [(pk, pk) for pk in pass_ids]
        # Dates matter only when issuing; the service checks them then.
        self.fields["valid_from"].required = False
        self.fields["valid_until"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.REFUSE and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", services.MSG_REASON_REQUIRED)
        return cleaned


class ReasonForm(forms.Form):
    """Revoke or suspend: the reason is required and is shown to the enterprise."""

    reason = forms.CharField(
        label=_("原因"),
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": services.MSG_REASON_REQUIRED},
    )


class RevokeForm(ReasonForm):
    """The reason of a revocation; 员工已离职 is offered, and it keeps the enterprise from applying again."""

    left_reason = services.REVOKE_REASON_LEFT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["list"] = "revoke-reasons"
        self.fields["reason"].help_text = _("员工已离职的请选“%(left)s”: 企业不能再为其申请通行证。") % {
            "left": services.REVOKE_REASON_LEFT
        }


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("说明(可选)"), max_length=255, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class ReissueForm(ValidityFields):
    pass


class PassFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))] + list(ReturnPass.Status.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    q = forms.CharField(
        label=_("编号或姓名"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
