from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core.forms import fields_only_helper


class LoginForm(AuthenticationForm):
    error_messages = {
        # Django's backend does not tell an inactive account from a wrong password, and should not.
        "invalid_login": (
            _("用户名或密码不正确, 或账号尚未启用(新注册企业须经属地工作人员确认)。连续输错多次后将被暂时锁定。")
        ),
        "inactive": _("该账号尚未启用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
