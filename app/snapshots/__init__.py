"""Citable snapshots: frozen matrices with a permanent page and a content hash."""
