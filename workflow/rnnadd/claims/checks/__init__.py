"""The claim tests, one module per test: <name>.py defines TEST (and may set ORDER);
rnnadd.claims.registry finds them by scanning this folder."""
