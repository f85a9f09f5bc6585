"""Writers: every view is rendered from the results contract (results.json)."""
