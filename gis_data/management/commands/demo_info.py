"""manage.py demo_info: where to go and how to log in (Chinese and English)."""

from django.core.management.base import BaseCommand

from backend.accounts.models import User
from gis_data.demo.loader import DEMO_PASSWORD

PAGES = (
    ("/", "首页（按角色跳转）", "home (redirects by role)"),
    (
        "/dashboard/",
        "领导驾驶舱：覆盖热力图、空白网格、问题聚集",
        "leader dashboard: coverage, gaps, clusters",
    ),
    ("/assign/", "专干分配页：为未覆盖网格分配代表", "staff assignment page"),
    ("/stations/", "站点地图与跨省协同", "stations map with cross-province links"),
    ("/admin/", "管理后台", "admin"),
    ("/api/mobile/v1/docs/", "手机端接口文档（OpenAPI）", "field-app API docs (OpenAPI)"),
)
ACCOUNTS = (
    ("admin", "系统管理员（全部数据）", "administrator (everything, admin site)"),
    ("leader", "长沙县人大领导（430121）", "county leader of 长沙县 (430121)"),
    ("staff", "长沙县人大专干（430121）", "congress staff of 长沙县 (430121)"),
    ("deputy", "长沙县人大代表（手机端）", "a deputy of 长沙县 (field app)"),
    ("leader_heshan", "鹤山市人大领导（440784）", "county leader of 鹤山市 (440784)"),
    ("leader_changsha", "长沙市人大领导（4301，含长沙县、宁乡市）", "city leader of 长沙市 (4301)"),
    ("leader_hunan", "湖南省人大领导（43，含三个湖南县市）", "province leader of 湖南省 (43)"),
)


class Command(BaseCommand):
    help = "Print the demo's URLs and logins (中文 / English)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="base URL the app is served at"
        )

    def handle(self, *args, **opts):
        base = opts["url"].rstrip("/")
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS("人大代表进网格 · Deputies into the grid"))
        out("页面 / Pages:")
        for path, zh, en in PAGES:
            out(f"  {base}{path:<24} {zh} / {en}")
        existing = set(
            User.objects.filter(username__in=[a for a, _, _ in ACCOUNTS]).values_list(
                "username", flat=True
            )
        )
        out(f"演示账号 / Demo logins (密码 password: {DEMO_PASSWORD}):")
        for username, zh, en in ACCOUNTS:
            mark = "" if username in existing else "  [未创建 / not created: run load_demo]"
            out(f"  {username:<14} {zh} / {en}{mark}")
        out("")
