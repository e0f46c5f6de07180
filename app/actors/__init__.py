"""Actors: states, organisations, groups and persons, with aliases, memberships, affiliations."""
