"""The seed dataset: hand-coded claims of the seed article, loaded idempotently."""
