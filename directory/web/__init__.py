"""The web layer: blueprints by audience, error pages and template filters."""
