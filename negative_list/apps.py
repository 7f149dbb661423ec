from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NegativeListConfig(AppConfig):
    name = "negative_list"
    verbose_name = _("行业分类与负面清单")
