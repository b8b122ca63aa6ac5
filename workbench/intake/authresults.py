"""`Authentication-Results` (RFC 8601): what the receiving server concluded about SPF, DKIM and
DMARC, and whether the authenticated domains align with the visible `From` (DMARC, RFC 7489,
relaxed alignment).

Only the topmost header is trusted: it is the one our own receiving server added last. Any
header further down could have been written by the sender to look authenticated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.intake.domains import domain_of, registrable


@dataclass(frozen=True)
class MethodResult:
    method: str  # spf, dkim, dmarc, arc, iprev, auth, ...
    result: str  # pass, fail, softfail, neutral, none, temperror, permerror, policy
    properties: dict[str, str] = field(default_factory=dict)
    reason: str = ""

    def domain(self) -> str:
        """The domain this result vouches for (SPF: envelope sender; DKIM: d=; DMARC: From)."""
        props = self.properties
        if self.method == "spf":
            value = props.get("smtp.mailfrom") or props.get("smtp.helo") or ""
            return domain_of(value) if "@" in value else value.lower()
        if self.method == "dkim":
            return (props.get("header.d") or domain_of(props.get("header.i", ""))).lower()
        if self.method == "dmarc":
            return props.get("header.from", "").lower()
        return ""


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str
    results: tuple[MethodResult, ...]
    raw: str = ""

    def first(self, method: str) -> MethodResult | None:
        return next((r for r in self.results if r.method == method), None)

    def all(self, method: str) -> list[MethodResult]:
        return [r for r in self.results if r.method == method]


def _strip_comments(text: str) -> str:
    """Remove (nested) comments, keeping quoted strings intact."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in text:
        if escaped:
            if depth == 0:
                out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            if ch == '"':
                quoted = False
            continue
        if ch == '"' and depth == 0:
            quoted = True
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(" ")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _split(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, joining "key = value" written with spaces."""
    raw = _split(" ".join(text.split()), " ")
    tokens: list[str] = []
    for token in raw:
        if not token:
            continue
        if tokens and (token.startswith("=") or tokens[-1].endswith("=")):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def parse(value: str) -> AuthResults:
    """Parse one header value; unknown or malformed parts are skipped, never fatal."""
    text = _strip_comments(value.replace("\r", " ").replace("\n", " "))
    segments = _split(text, ";")
    head = segments[0].split()
    authserv_id = head[0].lower() if head else ""
    results: list[MethodResult] = []
    for segment in segments[1:]:
        tokens = _tokens(segment)
        if not tokens or "=" not in tokens[0]:
            continue  # "none" (no results) or garbage
        method, _, result = tokens[0].partition("=")
        method = method.split("/")[0].strip().lower()
        properties: dict[str, str] = {}
        reason = ""
        for token in tokens[1:]:
            key, sep, val = token.partition("=")
            if not sep:
                continue
            val = val.strip().strip('"')
            if key.lower() == "reason":
                reason = val
            else:
                properties[key.strip().lower()] = val
        results.append(MethodResult(method, result.strip().lower(), properties, reason))
    return AuthResults(authserv_id, tuple(results), value)


@dataclass(frozen=True)
class Alignment:
    """The verdict the `email_auth` check reports."""

    from_domain: str
    spf: str  # result or "not reported"
    spf_domain: str
    spf_aligned: bool
    dkim: str
    dkim_domains: tuple[str, ...]
    dkim_aligned: bool
    dmarc: str
    passed: bool
    notes: tuple[str, ...] = ()


def aligned(domain: str, from_domain: str) -> bool:
    return bool(domain and from_domain) and registrable(domain) == registrable(from_domain)


def evaluate(headers: list[str], from_address: str) -> Alignment | None:
    """Verdict from the topmost header; None when there is none at all."""
    if not headers:
        return None
    notes: list[str] = []
    trusted = parse(headers[0])
    if len(headers) > 1:
        notes.append(
            f"{len(headers)} Authentication-Results headers: only the topmost "
            f"({trusted.authserv_id or 'no server id'}) is trusted; the others may have been "
            "written by the sender."
        )
    from_domain = domain_of(from_address)
    spf = trusted.first("spf")
    spf_domain = spf.domain() if spf else ""
    spf_ok = spf is not None and spf.result == "pass"
    spf_aligned = spf_ok and aligned(spf_domain, from_domain)
    dkims = trusted.all("dkim")
    dkim_pass = [d for d in dkims if d.result == "pass"]
    dkim_aligned = any(aligned(d.domain(), from_domain) for d in dkim_pass)
    dmarc = trusted.first("dmarc")
    dmarc_text = dmarc.result if dmarc else "not reported"
    if (
        dmarc is not None
        and dmarc.domain()
        and from_domain
        and not aligned(dmarc.domain(), from_domain)
    ):
        notes.append(
            f"DMARC was evaluated for {dmarc.domain()}, not for the From domain {from_domain}."
        )
    if dmarc is not None:
        passed = dmarc.result == "pass" and (spf_aligned or dkim_aligned or not dmarc.domain())
    else:
        passed = spf_aligned or dkim_aligned
        notes.append("No DMARC result reported; alignment computed from SPF and DKIM.")
    return Alignment(
        from_domain=from_domain,
        spf=spf.result if spf else "not reported",
        spf_domain=spf_domain,
        spf_aligned=spf_aligned,
        dkim=", ".join(f"{d.result} ({d.domain() or '?'})" for d in dkims) or "not reported",
        dkim_domains=tuple(d.domain() for d in dkim_pass),
        dkim_aligned=dkim_aligned,
        dmarc=dmarc_text,
        passed=passed,
        notes=tuple(notes),
    )
