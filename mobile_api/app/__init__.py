"""The deputies' phone app (代表走访): an installable, offline-first client served at /m/.

Plain ES modules, no build step. The Django side only serves the shell page, the web app
manifest and the service worker (from a view, so that its scope is /m/); everything else is
static files under mobile_api/static/mobile_app/ and the phone API (/api/mobile/v1/).
"""
