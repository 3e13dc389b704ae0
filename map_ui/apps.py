from django.apps import AppConfig


class MapUiConfig(AppConfig):
    name = "map_ui"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save

        from map_ui import live_signals

        user_logged_out.connect(live_signals.on_logged_out, dispatch_uid="live_logged_out")
        post_save.connect(
            live_signals.on_user_saved, sender=get_user_model(), dispatch_uid="live_user_saved"
        )
