from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "shaobao.governance"
    label = "governance"
    verbose_name = "基层治理"
