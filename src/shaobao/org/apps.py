from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "shaobao.org"
    label = "org"
    verbose_name = "组织与用户"
