"""A test-only app with a model that uses every encrypted field type."""
