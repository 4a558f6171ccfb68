"""The referral domain, one module per job: the record and its fields, who may see what, submitting, and what
was sent."""
