"""A five-minute tour of supportflow; `make demo` runs it.

Every command takes the instant it happens (`at=`), so the output is the same on every
run and every machine.
"""

from __future__ import annotations

import supportflow


def main() -> None:
    print(f"supportflow {supportflow.__version__}")


if __name__ == "__main__":
    main()
