"""The report side of the window: the PDF writer the core's report service uses, and the
Report dialog (format, profile, language, sections, preview, save)."""
