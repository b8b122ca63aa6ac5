"""Entry script for `python -m ui` and the PyInstaller bundle."""

import time

STARTED = time.perf_counter()

if __name__ == "__main__":
    import sys

    from ui.app import main

    sys.exit(main(started=STARTED))
