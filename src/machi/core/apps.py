from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "machi.core"
    label = "core"
    verbose_name = "共通"
