"""The claim tests, one class per file; rnnadd.claims.registry lists them."""
