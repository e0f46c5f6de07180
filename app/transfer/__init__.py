"""Export and import of the whole database as JSON Lines, without loss."""
