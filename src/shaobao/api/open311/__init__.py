"""Open311 GeoReport v2 façade over the whistle list and cases (docs/open311.md)."""
