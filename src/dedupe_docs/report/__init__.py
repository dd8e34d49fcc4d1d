"""A finished run read back: what was removed and why, as text (explain) or one HTML page."""
