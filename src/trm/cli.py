"""The `trm` command: Django's management commands under shorter names.

    trm serve | trm demo | trm createnode | trm audit verify | trm rotate-keys | trm <any manage.py command>

Two-word forms map to one command: `trm audit verify` runs `audit_verify`.
"""

from __future__ import annotations

import os
import sys


def resolve(argv: list[str], available: set[str]) -> list[str]:
    if len(argv) >= 2:
        joined = f"{argv[0]}_{argv[1]}".replace("-", "_")
        if joined in available:
            return [joined, *argv[2:]]
    if argv:
        single = argv[0].replace("-", "_")
        if single in available:
            return [single, *argv[1:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line, get_commands

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"trm: configuration error: {exc}\nSee .env.example for every setting.\n")
        raise SystemExit(2) from None
    available = set(get_commands())
    if args and args[0].replace("-", "_").startswith("demo") and args[0].replace("-", "_") not in available:
        # The demo's commands exist only where its app is installed (TRM_MODE=demo or test).
        sys.stderr.write(f"trm: `trm {args[0]}` runs only with TRM_MODE=demo (make run sets it).\n")
        raise SystemExit(2)
    execute_from_command_line(["trm", *resolve(args, available)])


if __name__ == "__main__":
    main()
