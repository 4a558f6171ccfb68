"""Open Referral UK 3.0: the directory published as ORUK, and ORUK feeds read into the directory."""
