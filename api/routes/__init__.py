"""REST blueprints, one per resource, all under /api/v1."""
