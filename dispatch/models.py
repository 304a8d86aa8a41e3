"""Models of this app (skeleton: filled by its issue)."""
