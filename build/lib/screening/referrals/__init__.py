"""The referrals area."""
