"""The plugin SDK: the only module a data-source plugin imports.

    from workbench.sdk import Source, EntityResult

    class MySource(Source):
        def run(self, query, ctx):
            response = ctx.http.get(f"https://api.example.org/lookup/{query.value}")
            for email in response.json()["emails"]:
                yield EntityResult("email", email, link="uses")

See docs/plugins.md. Everything here is stable within an `api_version`; anything else in
`workbench` is internal and may change without notice.
"""

from __future__ import annotations

from pathlib import Path

from workbench.atomicfile import atomic_write
from workbench.errors import ValidationError
from workbench.media.exif import ExifInfo, read_exif
from workbench.sources.api import Context, RunLogger, Source
from workbench.sources.errors import (
    CredentialError,
    EgressDenied,
    HttpStatusError,
    OfflineError,
    ResponseTooLarge,
    RunCancelled,
    SourceDataError,
    SourceError,
    SourceNetworkError,
)
from workbench.sources.evidence_access import EvidenceFile, EvidenceUnavailable
from workbench.sources.http import HttpResponse, PolicySession, ResponseInfo
from workbench.sources.manifest import API_VERSION, Manifest
from workbench.sources.results import (
    EntityResult,
    EvidenceResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
)


def normalise(entity_type: str, value: str) -> str:
    """The canonical form the case uses to recognise duplicates (E.164 phone, IDNA domain...).
    Raises ValueError when `value` is not a valid `entity_type`."""
    from workbench.vocabulary import default_vocabulary

    try:
        return default_vocabulary().entity_type(entity_type).normalise_value(value)
    except ValidationError as exc:
        raise ValueError(str(exc)) from exc


def resource(*parts: str) -> Path:
    """A file in the application's `resources/` folder (checkout, wheel or bundle)."""
    from workbench.paths import resources_dir

    return resources_dir().joinpath(*parts)


def plugin_cache_dir(plugin_id: str) -> Path:
    """A folder of the user cache ($WORKBENCH_CACHE_DIR) for one plugin's downloaded data
    (refreshed lists, bootstrap files...); created on demand. Disposable: a plugin must work
    (with its bundled data) when it is emptied."""
    from workbench.paths import cache_dir

    folder = cache_dir() / "plugins" / plugin_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def is_valid(entity_type: str, value: str) -> bool:
    """True when `value` normalises as an `entity_type` (a cheap pre-check before yielding)."""
    try:
        normalise(entity_type, value)
    except ValueError:
        return False
    return True


HttpSession = PolicySession

__all__ = [
    "API_VERSION",
    "Context",
    "CredentialError",
    "EgressDenied",
    "EntityResult",
    "EvidenceFile",
    "EvidenceResult",
    "EvidenceUnavailable",
    "ExifInfo",
    "HttpResponse",
    "HttpSession",
    "HttpStatusError",
    "LinkResult",
    "Manifest",
    "NoteResult",
    "OfflineError",
    "Query",
    "ResponseInfo",
    "ResponseTooLarge",
    "Result",
    "RunCancelled",
    "RunLogger",
    "Source",
    "SourceDataError",
    "SourceError",
    "SourceNetworkError",
    "atomic_write",
    "is_valid",
    "normalise",
    "plugin_cache_dir",
    "read_exif",
    "resource",
]
