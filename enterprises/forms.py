from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UsernameField
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import fields_only_helper
from enterprises.models import Enterprise
from enterprises.services import MSG_UNKNOWN_INDUSTRY, MSG_USERNAME_TAKEN
from enterprises.validators import normalize_credit_code
from reference.models import District, Industry

MSG_PASSWORDS_DIFFER = _("两次输入的密码不一致。")

ENTERPRISE_FIELDS = [
    "credit_code",
    "name",
    "district",
    "industry",
    "address",
    "legal_representative",
    "contact_name",
    "contact_mobile",
    "headcount",
]
FLAG_FIELDS = ["is_above_scale", "is_key", "is_chain_leader"]


class _EnterpriseFieldsMixin:
    def _setup_fields(self) -> None:
        # 1,381 classes make an unusable <select> on a phone: type the 4-digit code, see its name.
        self.fields["industry"] = forms.ModelChoiceField(
            label=_("所属行业代码"),
            queryset=Industry.objects.filter(level=Industry.Level.CLASS),
            error_messages={"invalid_choice": MSG_UNKNOWN_INDUSTRY},
            help_text=format_html(
                '国民经济行业分类(GB/T 4754-2017) 4 位小类代码 · <a href="{}" target="_blank" rel="noopener">查询</a>'
                ' <span id="industry-name" aria-live="polite">{}</span>',
                reverse_lazy("negative_list:industries"),
                self._industry_label(),
            ),
            widget=forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "maxlength": 4,
                    "autocomplete": "off",
                    "hx-get": reverse_lazy("negative_list:industry_name"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#industry-name",
                    "hx-swap": "innerHTML",
                }
            ),
        )
        self.fields["district"].queryset = District.objects.all()
        self.fields["credit_code"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})
        self.fields["contact_mobile"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "tel"})
        self.helper = fields_only_helper()

    def _industry_label(self) -> str:
        industry = getattr(self.instance, "industry", None) if self.instance.industry_id else None
        return f"{industry.code} {industry.name}" if industry else ""

    def clean_credit_code(self) -> str:
        return normalize_credit_code(self.cleaned_data["credit_code"])


class EnterpriseForm(_EnterpriseFieldsMixin, forms.ModelForm):
    """Staff edit of a registry entry. District staff keep their own district."""

    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FIELDS + FLAG_FIELDS

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_fields()
        if user.district_id:
            self.fields["district"].queryset = District.objects.filter(pk=user.district_id)
            self.fields["district"].initial = user.district_id


class RegistrationForm(_EnterpriseFieldsMixin, forms.ModelForm):
    """An enterprise registers itself and its first account; the district confirms both."""

    username = UsernameField(label=_("登录用户名"), help_text=_("字母、数字或 @ . + - _"))
    email = forms.EmailField(label=_("电子邮箱"), required=False, help_text=_("用于接收审核结果通知"))
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_fields()

    def validate_unique(self) -> None:
        # Uniqueness of the credit code is the service's rule: a rejected code may register again.
        pass

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(MSG_USERNAME_TAKEN)
        return username

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", MSG_PASSWORDS_DIFFER)
        elif p1:
            probe = User(username=cleaned.get("username", ""), full_name=cleaned.get("contact_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def enterprise_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ENTERPRISE_FIELDS}


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=255, widget=forms.Textarea(attrs={"rows": 2}))


class AccountCreateForm(forms.Form):
    username = UsernameField(label=_("登录用户名"))
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(label=_("手机号"), max_length=11)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(MSG_USERNAME_TAKEN)
        return username


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或信用代码"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    district = forms.ModelChoiceField(label=_("属地"), queryset=District.objects.all(), required=False)
    section = forms.ChoiceField(label=_("行业门类"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + Enterprise.Status.choices)
    above_scale = forms.BooleanField(label=_("规上企业"), required=False)
    key = forms.BooleanField(label=_("重点企业"), required=False)
    chain_leader = forms.BooleanField(label=_("产业链龙头"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        sections = Industry.objects.filter(level=Industry.Level.SECTION).order_by("code")
        self.fields["section"].choices = [("", _("全部"))] + [(s.code, f"{s.code} {s.name}") for s in sections]
        if user.district_id:
            del self.fields["district"]
        else:
            self.fields["district"].empty_label = _(_("全部"))
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-select form-select-sm"
            field.widget.attrs["class"] = "form-control form-control-sm" if name == "q" else css


class EnterpriseFlagsForm(forms.Form):
    is_key = forms.BooleanField(label=_("重点企业"), required=False)
    is_chain_leader = forms.BooleanField(label=_("产业链龙头企业"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
