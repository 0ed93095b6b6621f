"""The reporting service's revisions, oldest first."""
