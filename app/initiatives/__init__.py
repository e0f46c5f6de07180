"""Initiatives: proposals, plans, frameworks and demands that actors take sides on."""
