"""The users' jobs, built on experiments: compare (and later verify, guidance)."""
