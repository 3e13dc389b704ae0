app_name = "map_ui"
urlpatterns: list = []
