"""The demo: seven real counties with synthetic townships, stations, deputies and a year of
visits. `places`, `people` and `activity` are pure (no Django); `loader` writes the database.
Run it with `manage.py load_demo`; `manage.py demo_info` prints the URLs and logins."""
