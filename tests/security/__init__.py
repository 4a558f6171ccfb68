"""Security tests: hostile values, the attacker's walk over every route and role."""
