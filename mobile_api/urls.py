app_name = "mobile_api"
urlpatterns: list = []
