"""The directory service's revisions, oldest first."""
