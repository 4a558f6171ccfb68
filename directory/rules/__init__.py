"""The eligibility rule language: validate, evaluate (three-valued) and explain in plain English.

Pure: imports nothing from the rest of the project, so councils' rules can be checked and explained anywhere.
"""

from directory.rules.evaluate import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Outcome, compile_rule, evaluate, needs_diagnosis
from directory.rules.explain import Labels, describe_rule
from directory.rules.fields import FIELDS, MISSING_QUESTIONS, OneOf
from directory.rules.validate import RuleError, validate_rule

__all__ = [
    "ELIGIBLE", "FIELDS", "MISSING_QUESTIONS", "NOT_ELIGIBLE", "UNKNOWN", "Labels", "OneOf", "Outcome", "RuleError",
    "compile_rule", "describe_rule", "evaluate", "needs_diagnosis", "validate_rule",
]
