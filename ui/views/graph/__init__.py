"""The graph tab: a canvas that stays fluid at 100k entities (see `tab.py`)."""
