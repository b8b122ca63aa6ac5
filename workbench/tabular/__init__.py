"""Import CSV / JSON-lines exports of back-end systems into a case through saved column
mappings (`mapping`), a streaming reader (`reader`) and an atomic importer (`importer`)."""
