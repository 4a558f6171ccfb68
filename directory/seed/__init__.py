"""Seed and import the directory from JSON files (the format is in docs/import-format.md)."""

from directory.seed.apply import SeedReport, apply_seed, apply_services
from directory.seed.files import Known, SeedData, SeedError, load_seed, load_services_file

__all__ = ["Known", "SeedData", "SeedError", "SeedReport", "apply_seed", "apply_services", "load_seed",
           "load_services_file"]
