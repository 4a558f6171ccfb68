"""Seed and import the directory from JSON files (the format is in docs/import-format.md)."""

from directory.seed.apply import SeedReport, apply_seed
from directory.seed.files import SeedData, SeedError, load_seed

__all__ = ["SeedData", "SeedError", "SeedReport", "apply_seed", "load_seed"]
