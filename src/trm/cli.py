"""The `trm` command: Django's management commands under shorter names.

    trm serve | trm demo | trm createnode | trm audit verify | trm rotate-keys | trm <any manage.py command>

Two-word forms map to one command: `trm audit verify` runs `audit_verify`.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: trm <command> [options]

Common commands:
  trm serve                 serve this node (web and exchange workers)
  trm createnode            create this node's keys and first administrator
  trm migrate               bring the database up to date
  trm audit verify          verify the audit chain
  trm rotate-keys           rotate this node's signing and encryption keys
  trm trustlist refresh     fetch and verify the network's trust list
  trm conformance           check a trm/1 implementation against the test vectors
  trm demo [--reset]        start the synthetic demo network (TRM_MODE=demo)
  trm <command> --help      the options of one command

Settings come from the environment (TRM_MODE, TRM_SECRET_KEY, ...): see .env.example.
"""
HELP = {"-h", "--help", "help"}


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
        if not args or args[0] in HELP:
            # Help needs no configuration: say what trm does and what is missing to run it.
            sys.stdout.write(USAGE)
            sys.stdout.write(f"\nThis node is not configured yet: {exc}\n")
            raise SystemExit(0) from None
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
