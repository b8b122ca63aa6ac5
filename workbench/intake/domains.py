"""Sender domains: the agency directory, free-mail providers, registrable domains and
look-alikes (edit distance and Unicode confusables / IDN homographs).

Data comes from `resources/intake/` (editable) plus the entries users add to the workspace.
"""

from __future__ import annotations

import contextlib
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from workbench.errors import ValidationError
from workbench.paths import resource


def _lines(name: str) -> tuple[str, ...]:
    text = resource("intake", name).read_text(encoding="utf-8")
    return tuple(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@lru_cache(maxsize=1)
def public_suffixes() -> frozenset[str]:
    return frozenset(_lines("public_suffixes.txt"))


@lru_cache(maxsize=1)
def freemail_domains() -> frozenset[str]:
    return frozenset(_lines("freemail.txt"))


def to_unicode(domain: str) -> str:
    """IDNA (xn--) labels shown as the characters a reader sees."""
    labels = []
    for label in domain.strip().rstrip(".").lower().split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def to_ascii(domain: str) -> str:
    text = unicodedata.normalize("NFC", domain.strip().rstrip(".").lower())
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError:
        return text


def domain_of(address: str) -> str:
    """The domain of an e-mail address, lower-cased IDNA; '' when there is none."""
    _, sep, host = address.strip().rpartition("@")
    host = host.strip().strip(">").rstrip(".")
    return to_ascii(host) if sep and host else ""


def registrable(domain: str) -> str:
    """The organisational domain: one label under the longest known public suffix, else the
    last two labels (an approximation of the Public Suffix List, see public_suffixes.txt)."""
    labels = to_ascii(domain).split(".")
    suffixes = public_suffixes()
    for size in range(len(labels) - 1, 0, -1):
        if ".".join(labels[-size:]) in suffixes:
            return ".".join(labels[-(size + 1) :])
    return ".".join(labels[-2:])


def matches(domain: str, rule: str) -> bool:
    """`domain` is `rule` or a sub-domain of it."""
    return domain == rule or domain.endswith("." + rule)


def is_freemail(domain: str) -> bool:
    return any(matches(domain, known) for known in freemail_domains())


# ---- confusables -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _confusables() -> tuple[dict[str, str], dict[str, str]]:
    data = tomllib.loads(resource("intake", "confusables.toml").read_text(encoding="utf-8"))
    return dict(data.get("map", {})), dict(data.get("sequences", {}))


def skeleton(domain: str) -> str:
    """What a domain looks like at a glance: NFKC, confusable characters and letter sequences
    mapped to the ASCII they imitate (UTS #39 skeleton, simplified)."""
    chars, sequences = _confusables()
    text = unicodedata.normalize("NFKC", to_unicode(domain)).lower()
    text = "".join(chars.get(ch, ch) for ch in text)
    text = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )
    for sequence, replacement in sequences.items():
        text = text.replace(sequence, replacement)
    return text.replace("-", "").replace("_", "")


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at `limit` + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# ---- the agency directory ------------------------------------------------------------------


@dataclass(frozen=True)
class SuffixRule:
    suffix: str
    country: str
    label: str


@dataclass(frozen=True)
class Agency:
    name: str
    country: str
    domains: tuple[str, ...]
    source: str = "resources"  # or "workspace"


@dataclass(frozen=True)
class DirectoryMatch:
    domain: str
    agency: Agency | None = None
    suffix: SuffixRule | None = None

    @property
    def official(self) -> bool:
        return self.agency is not None or self.suffix is not None

    def describe(self) -> str:
        if self.agency is not None:
            where = "added in this workspace" if self.agency.source == "workspace" else "directory"
            return f"{self.domain} belongs to {self.agency.name} ({self.agency.country}; {where})"
        if self.suffix is not None:
            return f"{self.domain} is under .{self.suffix.suffix}: {self.suffix.label}"
        return f"{self.domain} is not in the agency directory"


@dataclass(frozen=True)
class LookalikeHit:
    domain: str
    resembles: str
    how: str  # "homograph", "edit distance N", "official suffix in the wrong place"


@dataclass
class AgencyDirectory:
    suffixes: list[SuffixRule] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    compromised: set[str] = field(default_factory=set)

    @classmethod
    def from_resources(cls) -> AgencyDirectory:
        path = resource("intake", "agency_directory.toml")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"Cannot read the agency directory {path}: {exc}") from exc
        suffixes = [
            SuffixRule(
                str(s["suffix"]).lower().lstrip("."), str(s.get("country", "")), str(s["label"])
            )
            for s in data.get("suffix", [])
        ]
        agencies = [
            Agency(
                str(a["name"]),
                str(a.get("country", "")),
                tuple(to_ascii(d) for d in a.get("domains", [])),
            )
            for a in data.get("agency", [])
        ]
        return cls(suffixes, agencies)

    def with_entries(self, entries: Iterable[tuple[str, str, str, str]]) -> AgencyDirectory:
        """A copy including workspace entries: (value, kind, agency, country)."""
        copy = AgencyDirectory(list(self.suffixes), list(self.agencies), set(self.compromised))
        for value, kind, agency, country in entries:
            if kind == "compromised":
                copy.compromised.add(value.lower())
            else:
                copy.agencies.append(Agency(agency, country, (to_ascii(value),), "workspace"))
        return copy

    def lookup(self, domain: str) -> DirectoryMatch:
        domain = to_ascii(domain)
        for agency in self.agencies:
            if any(matches(domain, d) for d in agency.domains):
                return DirectoryMatch(domain, agency=agency)
        best: SuffixRule | None = None
        for rule in self.suffixes:
            if matches(domain, rule.suffix) and (
                best is None or len(rule.suffix) > len(best.suffix)
            ):
                best = rule
        return DirectoryMatch(domain, suffix=best)

    def is_compromised(self, address: str) -> str | None:
        """The list entry that matches a sender address or its domain."""
        address = address.strip().lower()
        domain = domain_of(address)
        for entry in self.compromised:
            if entry == address or ("@" not in entry and domain and matches(domain, entry)):
                return entry
        return None

    def known_domains(self) -> list[str]:
        return [d for agency in self.agencies for d in agency.domains]

    def lookalikes(self, domain: str) -> list[LookalikeHit]:
        """Known agency domains this one imitates without being one of them."""
        domain = to_ascii(domain)
        if not domain or self.lookup(domain).agency is not None:
            return []
        hits: list[LookalikeHit] = []
        own = registrable(domain)
        own_skeleton = skeleton(own)
        # Under an official suffix the registrant is itself a public body: only a homograph
        # (characters chosen to look like another agency) is suspicious there.
        official_suffix = self.lookup(domain).suffix is not None
        seen: set[str] = set()
        for known in self.known_domains():
            known_reg = registrable(known)
            if own == known_reg or matches(domain, known) or known_reg in seen:
                continue
            if skeleton(known_reg) == own_skeleton or skeleton(known) == skeleton(domain):
                hits.append(LookalikeHit(domain, known_reg, "homograph (looks identical)"))
                seen.add(known_reg)
                continue
            if official_suffix:
                continue
            distance = edit_distance(own, known_reg, 2)
            if distance <= (1 if len(known_reg) < 8 else 2):
                hits.append(LookalikeHit(domain, known_reg, f"edit distance {distance}"))
                seen.add(known_reg)
                continue
            name = known_reg.split(".")[0].replace("-", "")
            own_flat = own.replace("-", "")
            if len(name) >= 5 and name in own_flat and own_flat.split(".")[0] != name:
                hits.append(LookalikeHit(domain, known_reg, "contains the agency's domain name"))
                seen.add(known_reg)
        if official_suffix:
            return hits
        inner = domain.split(".")[:-1]
        for rule in self.suffixes:
            if matches(domain, rule.suffix) or not _suffix_misplaced(inner, rule.suffix):
                continue
            hits.append(
                LookalikeHit(domain, "." + rule.suffix, "official suffix in the wrong place")
            )
        return hits


def _suffix_misplaced(inner_labels: list[str], suffix: str) -> bool:
    """`gov.br` inside `gov.br.secure-mail.com`, or as `gov-br` / `police-uk` in a label."""
    parts = suffix.split(".")
    for i in range(len(inner_labels) - len(parts) + 1):
        if inner_labels[i : i + len(parts)] == parts:
            return True
    joined = "-".join(parts)
    for label in inner_labels:
        if label.startswith(joined + "-") or label.endswith("-" + joined):
            return True
        if len(parts) > 1 and (joined in label or "".join(parts) == label):
            return True
    return False


@lru_cache(maxsize=1)
def resource_directory() -> AgencyDirectory:
    return AgencyDirectory.from_resources()
