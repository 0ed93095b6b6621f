"""The referrals service's revisions, oldest first."""
