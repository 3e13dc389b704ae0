"""gis_data speaks zh-hans by default (settings.LANGUAGE_CODE) and English on request.

Refusals and report lines are put into words when shown, so one exception reads in the language
active when it is printed. Without Django the pure modules read in English (their msgids).
"""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from gis_data.errors import GisDataError
from gis_data.i18n import lazy_message as _
from gis_data.readers import read_polygons
from gis_data.report import ImportReport, Repair

REPO_ROOT = Path(__file__).resolve().parents[2]
PO_FILE = REPO_ROOT / "gis_data/locale/zh_Hans/LC_MESSAGES/django.po"

NO_CRS_ZH = (
    "nocrs.shp：没有坐标参考系（例如缺少 .prj 的 Shapefile）：请声明一个"
    "（crs=EPSG:<代码>、wgs84、gcj02 或 bd09）"
)
NO_CRS_EN = (
    "nocrs.shp: has no coordinate reference system (e.g. a Shapefile without .prj): declare one "
    "(crs=EPSG:<code>, wgs84, gcj02 or bd09)"
)
OUTSIDE_ZH = (
    "paris.geojson：要素 1 (adcode=430121009)：位于中国境外：按 EPSG:4326 读取后范围为"
    "经度 2.3..2.4、纬度 48.8..48.9（应在经度 73..136、纬度 3..54 之内）；声明的坐标系是否正确？"
)
OUTSIDE_EN = (
    "paris.geojson: feature 1 (adcode=430121009): outside China: bounds lon 2.3..2.4, "
    "lat 48.8..48.9 after reading as EPSG:4326 (expected lon 73..136, lat 3..54); is the "
    "declared CRS right?"
)


@pytest.fixture
def default_language():
    """No language activated: Django falls back to settings.LANGUAGE_CODE."""
    translation.deactivate()
    yield
    translation.deactivate()


def test_a_file_without_crs_is_refused_in_chinese_then_english(default_language, crsless_shapefile):
    with pytest.raises(GisDataError) as err:
        read_polygons(crsless_shapefile)
    assert translation.get_language() == "zh-hans"
    assert str(err.value) == NO_CRS_ZH
    with translation.override("en"):
        assert str(err.value) == NO_CRS_EN  # the same exception, shown later in English


def test_a_feature_outside_china_is_refused_in_chinese_then_english(
    default_language, outside_china_geojson
):
    with pytest.raises(GisDataError) as err:
        read_polygons(outside_china_geojson)
    assert (err.value.file, err.value.feature) == ("paris.geojson", "1 (adcode=430121009)")
    assert err.value.message == OUTSIDE_ZH
    with translation.override("en"):
        assert err.value.message == OUTSIDE_EN


def test_import_report_summary_in_both_languages(default_language):
    report = ImportReport(
        kind="cells",
        source=_("generated %(grid)s", grid=_("squares of %(size_m)g m", size_m=500)),
        read=3,
        created=2,
        updated=1,
        repairs=[Repair(file="a.geojson", feature="2 (code=X)", reason="Self-intersection[1 2]")],
        notes=[_("Z coordinates dropped (stored 2-D)")],
        seconds=1.5,
    )
    assert report.summary() == (
        "网格（生成的 500 米方格）：读取 3，新建 2，更新 1，删除 0，修复 1，用时 1.5 秒\n"
        "  已修复：a.geojson：要素 2 (code=X)：Self-intersection[1 2]；已用 make_valid 修复\n"
        "  说明：已去掉 Z 坐标（按二维存储）"
    )
    with translation.override("en"):
        assert report.summary() == (
            "cells from generated squares of 500 m: read 3, created 2, updated 1, deleted 0, "
            "repaired 1 in 1.5 s\n"
            "  repaired: a.geojson: feature 2 (code=X): Self-intersection[1 2]; repaired with "
            "make_valid\n"
            "  note: Z coordinates dropped (stored 2-D)"
        )


def test_commands_speak_the_active_language_or_lang(default_language, outside_china_geojson):
    # A refusal happens before any query: no database needed.
    with pytest.raises(CommandError) as err:
        call_command("import_regions", str(outside_china_geojson), stdout=io.StringIO())
    assert str(err.value) == f"{OUTSIDE_ZH}（未写入任何数据）"
    with pytest.raises(CommandError) as err:
        call_command("import_regions", str(outside_china_geojson), lang="en")
    assert str(err.value) == f"{OUTSIDE_EN} (nothing was written)"
    assert translation.get_language() == "zh-hans"  # --lang does not leak out of the command
    with pytest.raises(CommandError) as err:
        call_command("generate_grid", "--region", "430121", "--method", "hex")
    assert str(err.value) == "--method hex 需要 --resolution（H3 分辨率）"


def test_without_django_messages_read_in_english(crsless_shapefile):
    code = (
        "import sys\n"
        "from gis_data.readers import read_polygons\n"
        f"try:\n    read_polygons({str(crsless_shapefile)!r})\n"
        "except Exception as exc:\n    print(exc)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        encoding="utf-8",
        check=True,
    )
    assert done.stdout == f"{NO_CRS_EN}\n[]\n"


def test_every_msgid_has_a_chinese_translation():
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]  # after the header
    # An empty msgstr is the entry's last line (a long one continues on the lines after it).
    untranslated = [e for e in entries if e.rstrip().endswith('msgstr ""')]
    assert len(entries) > 90
    assert untranslated == []
