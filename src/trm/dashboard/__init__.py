"""The landing page after login: each app contributes panels (tasks, deadlines, inbox)."""
