"""The ops layer (see rnnadd/__init__.py for the layers)."""
