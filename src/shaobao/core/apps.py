from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shaobao.core"
    label = "core"
    verbose_name = "基础"
