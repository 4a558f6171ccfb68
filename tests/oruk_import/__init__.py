"""The Open Referral UK import (import-oruk)."""
