"""Reference data files (see README.md) and the scripts that build them."""
