"""Listings: the one writer of services, their history, change requests and problem reports."""
