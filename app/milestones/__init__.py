"""Milestones: dated facts that conditions wait on."""
