"""Node-wide commands: serve, create a node, rotate field keys."""
