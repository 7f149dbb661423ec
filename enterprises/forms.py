from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UsernameField

from accounts.models import District, User
from enterprises.models import Enterprise
from enterprises.validators import normalize_credit_code
from negative_list.models import Industry

MSG_PASSWORDS_DIFFER = "两次输入的密码不一致。"
MSG_USERNAME_TAKEN = "该用户名已被使用。"

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


class IndustryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Industry) -> str:
        return f"{obj.code} {obj.name}"


class _EnterpriseFieldsMixin:
    def _setup_fields(self) -> None:
        self.fields["industry"] = IndustryChoiceField(
            label="所属行业(小类)",
            queryset=Industry.objects.filter(level=Industry.Level.CLASS).order_by("code"),
            help_text="国民经济行业分类(GB/T 4754-2017)小类",
        )
        self.fields["district"].queryset = District.objects.all()
        self.fields["credit_code"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})
        self.fields["contact_mobile"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "tel"})
        self.helper = FormHelper()
        self.helper.form_tag = False

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

    username = UsernameField(label="登录用户名", help_text="字母、数字或 @ . + - _")
    email = forms.EmailField(label="电子邮箱", required=False, help_text="用于接收审核结果通知")
    password1 = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="确认密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
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
    reason = forms.CharField(label="退回原因", max_length=255, widget=forms.Textarea(attrs={"rows": 2}))


class AccountCreateForm(forms.Form):
    username = UsernameField(label="登录用户名")
    full_name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=11)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(MSG_USERNAME_TAKEN)
        return username


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label="名称或信用代码", required=False)
    district = forms.ModelChoiceField(label="属地", queryset=District.objects.all(), required=False)
    section = forms.ChoiceField(label="行业门类", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + Enterprise.Status.choices)
    above_scale = forms.BooleanField(label="规上", required=False)
    key = forms.BooleanField(label="重点", required=False)
    chain_leader = forms.BooleanField(label="龙头", required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        sections = Industry.objects.filter(level=Industry.Level.SECTION).order_by("code")
        self.fields["section"].choices = [("", "全部")] + [(s.code, f"{s.code} {s.name}") for s in sections]
        if user.district_id:
            del self.fields["district"]
