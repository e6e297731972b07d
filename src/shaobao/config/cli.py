"""The `shaobao` console script: Django's management commands under one name.

`shaobao demo`, `shaobao serve`, `shaobao worker` and the importers are ordinary
management commands living in their apps, so `shaobao <anything>` simply hands the
arguments to Django. Keeping one entry point means operators learn one command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shaobao.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "shaobao"
    if len(args) == 1:
        args.append("help")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
