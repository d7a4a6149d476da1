from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with small costs, used by the test suite only (TRM_MODE=test)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
