"""Justice: proceedings, perpetrators, compensation, joint investigation teams and group cases (docs/justice.md)."""
