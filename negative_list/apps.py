from django.apps import AppConfig


class NegativeListConfig(AppConfig):
    name = "negative_list"
    verbose_name = "行业分类与负面清单"
