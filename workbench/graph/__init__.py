"""The link graph beyond storage: layouts, analysis, merge/unmerge, duplicate suggestions and
same-as hypotheses. Nothing here imports numba or networkx at import time."""
