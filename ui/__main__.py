"""Entry script for `python -m ui` and the PyInstaller bundle.

With a sub-command first (`osint-workbench case list`), it is the CLI; otherwise the window.
"""

import time

STARTED = time.perf_counter()

if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        from ui.launcher import main as cli_main

        sys.exit(cli_main(sys.argv[1:]))

    from ui.app import main

    sys.exit(main(started=STARTED))
