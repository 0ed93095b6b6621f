"""The casework service's revisions, oldest first."""
