"""``python -m supportflow``: the command line (see ``python -m supportflow --help``)."""

from ._cli import main

raise SystemExit(main())
