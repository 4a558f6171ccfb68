"""The data-access layer: functions that views and commands call instead of building queries."""
