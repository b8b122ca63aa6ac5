"""Web capture: a URL into a WARC file kept as evidence (`capture_url`)."""

from workbench.capture.service import CaptureOptions, capture_url, normalise_url

__all__ = ["CaptureOptions", "capture_url", "normalise_url"]
