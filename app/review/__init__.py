"""The review workflow: proposed claims wait in a queue until a reviewer accepts or rejects them."""
