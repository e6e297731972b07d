from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shaobao.cases"
    label = "cases"
    verbose_name = "案件"
