"""Small helpers with no knowledge of the apps (no Django models here)."""
