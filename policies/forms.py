from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NoFormTag
from core.validators import validate_mobile
from policies.models import AmountRule, AnswerTopic, PolicyAnswerVersion, PolicyApplication, SupportPolicy
from reference.models import District


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by content in the service (core.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        # An empty file reaches core.uploads, whose message is the one every upload shows.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ApplicationForm(NoFormTag, forms.Form):
    """What the enterprise states: the figures the policy's amount rule needs, the bank account, materials."""

    stated_headcount = forms.IntegerField(label=_("职工人数"), min_value=1, required=False)
    stated_figure = forms.DecimalField(
        label=_("填报数额"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    statement = forms.CharField(
        label=_("申请说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=100, required=False)
    account_name = forms.CharField(label=_("账户名称"), max_length=200, required=False)
    account_number = forms.CharField(
        label=_("银行账号"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_mobile = forms.CharField(
        label=_("联系人手机"),
        max_length=11,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    materials = MultipleFileField(
        label=_("申报材料"), required=False, help_text=_("PDF、图片、Word 或 Excel, 可一次选择多个文件")
    )

    def __init__(self, *args, policy: SupportPolicy, resubmit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()
        if policy.amount_rule != AmountRule.PER_EMPLOYEE:
            del self.fields["stated_headcount"]
        else:
            self.fields["stated_headcount"].required = True
        if policy.amount_rule != AmountRule.PERCENTAGE:
            del self.fields["stated_figure"]
        else:
            self.fields["stated_figure"].required = True
            self.fields["stated_figure"].label = policy.figure_label or _("填报数额")
        if not policy.pays_money:
            for name in ("bank_name", "account_name", "account_number"):
                del self.fields[name]
        else:
            for name in ("bank_name", "account_name", "account_number"):
                self.fields[name].required = True
        if resubmit:
            self.fields["materials"].help_text = _("补充的材料; 已上传的材料保留")


class DecisionForm(NoFormTag, forms.Form):
    ACTIONS = [("approve", _("批准")), ("return", _("退回补正")), ("reject", _("不予支持"))]
    action = forms.ChoiceField(label=_("审核结果"), choices=ACTIONS, widget=forms.RadioSelect)
    amount = forms.DecimalField(label=_("核定金额(元)"), min_value=0, max_digits=14, decimal_places=2, required=False)
    comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, application: PolicyApplication, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()
        if application.policy.pays_money:
            self.fields["amount"].initial = application.requested_amount
        else:
            del self.fields["amount"]


class PayoutForm(NoFormTag, forms.Form):
    paid_on = forms.DateField(label=_("兑付日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.DecimalField(label=_("兑付金额(元)"), min_value=0, max_digits=14, decimal_places=2)
    voucher_number = forms.CharField(label=_("凭证号"), max_length=50)

    def __init__(self, *args, application: PolicyApplication, today, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()
        self.fields["paid_on"].initial = today
        self.fields["amount"].initial = application.approved_amount


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, initial=PolicyApplication.Status.SUBMITTED)
    policy = forms.ModelChoiceField(
        label=_("政策"), queryset=SupportPolicy.objects.only("pk", "title"), required=False, empty_label=_("全部")
    )
    district = forms.ModelChoiceField(
        label=_("属地"), queryset=District.objects.all(), required=False, empty_label=_("全部")
    )
    q = forms.CharField(label=_("企业名称"), required=False)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部"))] + list(PolicyApplication.Status.choices)
        if user.district_id:
            del self.fields["district"]
        for name, field in self.fields.items():
            if isinstance(field, forms.BooleanField):
                css = "form-check-input"
            else:
                css = "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            field.widget.attrs["class"] = css


class AnswerForm(NoFormTag, forms.ModelForm):
    topic = forms.ChoiceField(label=_("类别"), choices=AnswerTopic.choices)

    class Meta:
        model = PolicyAnswerVersion
        fields = ["question", "body", "source_document", "change_note"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, revising: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_form_tag()
        self.order_fields(["topic", "question", "body", "source_document", "change_note"])
        if revising:
            del self.fields["topic"]
            self.fields["change_note"].required = True
        else:
            del self.fields["change_note"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
