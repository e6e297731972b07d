from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "shaobao.catalogue"
    label = "catalogue"
    verbose_name = "吹哨清单"
