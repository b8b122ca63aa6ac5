"""Dialogs for the hand-off formats: export a case (STIX, GraphML, GEXF, CSV), import a graph
or CSV into a case, create and open case archives. Work runs off the GUI thread with a
progress bar and a Cancel button (`job.py`)."""
