"""`manage.py error_codes`: the registry of error codes, as the docs show it.

  --markdown [--api mobile|map]   print the docs tables (default: both APIs)
  --write                         rewrite the generated blocks of docs/api.md and docs/api-map.md
  --check                         exit 1 if a docs block differs from the registry
Without an option: one line per registered code (code, status, APIs).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.core.error_codes import REGISTRY
from backend.core.error_docs import DOCS, current_block, markdown, write


class Command(BaseCommand):
    help = "List the registered error codes; print, write or check the docs tables."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true")
        parser.add_argument("--api", choices=sorted(DOCS))
        parser.add_argument("--write", action="store_true")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, **options):
        apis = [options["api"]] if options["api"] else sorted(DOCS)
        if options["write"]:
            for api in apis:
                changed = write(api)
                self.stdout.write(f"{DOCS[api]}: {'rewritten' if changed else 'unchanged'}")
        elif options["check"]:
            stale = [DOCS[api] for api in apis if current_block(api) != markdown(api)]
            if stale:
                raise CommandError(f"out of date (run manage.py error_codes --write): {stale}")
        elif options["markdown"]:
            for api in apis:
                self.stdout.write(f"<!-- {DOCS[api]} -->\n{markdown(api)}")
        else:
            for entry in REGISTRY.values():
                apis_text = ",".join(entry.apis) or "domain"
                field = " field" if entry.field else ""
                self.stdout.write(f"{entry.code}\t{entry.status}\t{apis_text}{field}")
