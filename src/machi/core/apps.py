from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "machi.core"
    label = "core"
    verbose_name = "共通"

    def ready(self):
        from machi.core import checks  # noqa: F401  (registers the start-up checks)
