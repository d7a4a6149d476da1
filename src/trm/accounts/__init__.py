"""Users, organisations, roles and two-factor login."""
