"""Errors a source run can end with; every message is meant to be shown to the user as is."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class SourceError(WorkbenchError):
    """Base class of everything that can go wrong with a data source or one of its runs."""


class ManifestError(SourceError):
    """A `plugin.toml` that does not validate; lists every problem with its field and fix."""

    def __init__(self, path: str, problems: list[tuple[str, str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {len(problems)} problem(s) in the plugin manifest:"]
        lines += [f"  - field '{field}': {problem} Fix: {fix}" for field, problem, fix in problems]
        super().__init__("\n".join(lines))


class PluginLoadError(SourceError):
    """A plugin whose module could not be imported or does not provide a Source."""


class PluginUnavailableError(SourceError):
    """A plugin id that is unknown, broken or disabled."""


class CredentialError(SourceError):
    """A secret that is missing, not declared, or a keyring that cannot be opened."""


class SettingsError(SourceError):
    """The settings file or a plugin setting has a value of the wrong type."""


class ConfirmationRequired(SourceError):
    """A run would send data off the machine and the user has not confirmed it."""


class RunCancelled(SourceError):
    """The user cancelled the run (or its time ran out); raised inside the plugin's thread."""


class NetworkPolicyError(SourceError):
    """A request the host refused before sending it (egress, offline mode)."""


class EgressDenied(NetworkPolicyError):
    """A request to a host the plugin did not declare in its manifest."""


class OfflineError(NetworkPolicyError):
    """Offline mode is on: nothing may leave the machine."""


class ResponseTooLarge(SourceError):
    """A response bigger than the allowed maximum; it was not read to the end."""


class SourceNetworkError(SourceError):
    """The network failed (connection refused, reset, timeout) after all retries."""


class HttpStatusError(SourceError):
    """A response with an error status that the plugin asked to treat as a failure."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class SourceDataError(SourceError):
    """A response or plugin output that cannot be understood (malformed JSON, bad result)."""
