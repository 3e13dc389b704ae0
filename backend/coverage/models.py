"""Coverage analytics tables (per-cell summary, pre-aggregated heat) live here."""
