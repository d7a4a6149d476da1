"""The justice app's models, one module per part; each is imported here so Django finds it."""
