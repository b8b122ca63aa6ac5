"""From a parsed e-mail to a draft escalation: requester, narrative, targets, guesses.

Everything read here is a suggestion for the investigator to confirm; each guess is named in
a warning ("emergency nature guessed from the words ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from workbench.intake.domains import AgencyDirectory, domain_of
from workbench.intake.eml import ParsedMessage
from workbench.intake.identifiers import Found, find_identifiers, region_for_domain
from workbench.intake.model import Channel, DataCategory, Escalation, Target, TargetKind
from workbench.intake.rules import EscalationRules
from workbench.model import Category, Priority

SIGNATURE_LINES = 12
MAX_TARGETS = 50
RANKS = (
    "Detective Chief Inspector",
    "Detective Inspector",
    "Detective Sergeant",
    "Detective Constable",
    "Chief Inspector",
    "Special Agent",
    "Inspector Jefe",
    "Subinspector",
    "Inspector",
    "Inspetora",
    "Inspetor",
    "Sergeant",
    "Sargento",
    "Constable",
    "Detective",
    "Lieutenant",
    "Captain",
    "Sheriff",
    "Deputy",
    "Delegada",
    "Delegado",
    "Escrivão",
    "Agente",
    "Agent",
    "Officer",
    "巡査部長",
    "警部補",
    "警部",
    "巡査",
    "警視",
)
BADGE_RE = re.compile(
    r"(?:badge|badge\s+(?:no\.?|number)|warrant\s+card|placa|matr[ií]cula|"
    r"n[º°]\s*de\s*placa|TIP|職員番号|警察官番号)\s*[:#]?\s*(?:no\.?|n[º°]\.?)?\s*"
    r"([A-Z0-9][A-Z0-9-]{1,19})\b",
    re.IGNORECASE,
)
AGENCY_WORDS = re.compile(
    r"\b(police|polic[ií]a|pol[ií]cia|constabulary|sheriff|bureau|department|agency|"
    r"gendarmer|guardia civil|carabinieri|prosecutor|fiscal[ií]a|minist[eé]rio p[uú]blico|"
    r"europol|interpol)\b|警察|警視庁|検察",
    re.IGNORECASE,
)
PHONE_LABEL = re.compile(
    r"(tel|phone|desk|mobile|cell|direct|tel[eé]fono|telefone|celular|電話|携帯)", re.I
)
DATA_WORDS: dict[DataCategory, tuple[str, ...]] = {
    DataCategory.BASIC_SUBSCRIBER_INFO: (
        "subscriber",
        "account holder",
        "registration data",
        "datos de registro",
        "dados cadastrais",
        "契約者",
        "登録情報",
    ),
    DataCategory.IP_LOGIN_RECORDS: (
        "ip address",
        "ip addresses",
        "login ip",
        "log-in",
        "login",
        "logs de acesso",
        "registros de acceso",
        "接続記録",
        "ipアドレス",
    ),
    DataCategory.DEVICE: ("device", "imei", "dispositivo", "端末"),
    DataCategory.LOCATION: (
        "location",
        "gps",
        "geolocation",
        "ubicación",
        "localização",
        "位置情報",
    ),
    DataCategory.NON_CONTENT_METADATA: ("metadata", "call records", "metadatos", "metadados"),
    DataCategory.CONTENT: ("content of", "messages", "contenido", "conteúdo", "mensagens", "内容"),
}
LEGAL_RE = re.compile(
    r"(18\s*U\.?S\.?C\.?\s*(?:§\s*)?2702\s*\([bc]\)\s*\(\d\)|"
    r"GDPR\s+Art(?:icle|\.)?\s*6\s*\(1\)\s*\(d\)|vital interests|DSA\s+Art(?:icle|\.)?\s*18|"
    r"Marco Civil|Lei\s+12\.965|CPP\s+Art(?:igo|\.)?\s*13-A|LGPD|"
    r"APPI|個人情報保護法|刑事訴訟法\s*第?197条|emergency disclosure provisions)",
    re.IGNORECASE,
)


@dataclass
class Draft:
    escalation: Escalation
    title: str
    priority: Priority
    category: Category
    warnings: list[str] = field(default_factory=list)


def _signature_start(lines: list[str]) -> int:
    """Index of the first line of the closing signature block: after a "-- " delimiter, else
    the last block of short lines (a heuristic)."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() in ("--", "__"):
            return i
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and lines[start - 1].strip() and len(lines[start - 1]) <= 80:
        start -= 1
        if end - start >= SIGNATURE_LINES:
            break
    return start


def _rank(text: str) -> str:
    for rank in RANKS:
        if re.search(rf"(?<!\w){re.escape(rank)}(?!\w)", text, re.IGNORECASE):
            return rank
    return ""


def _agency_line(lines: list[str]) -> str:
    for line in lines:
        stripped = line.strip()
        if 3 <= len(stripped) <= 120 and AGENCY_WORDS.search(stripped):
            if "@" in stripped or "http" in stripped.lower():
                continue
            return stripped.strip(",;")
    return ""


def _country(domain: str, directory: AgencyDirectory) -> str:
    match = directory.lookup(domain) if domain else None
    if match and match.agency and match.agency.country:
        return match.agency.country
    if match and match.suffix and match.suffix.country:
        return match.suffix.country
    return region_for_domain(domain) or ""


def draft_from_message(
    parsed: ParsedMessage,
    rules: EscalationRules,
    directory: AgencyDirectory,
    received_fallback: datetime,
) -> Draft:
    warnings: list[str] = []
    body = parsed.body_text
    lines = body.splitlines()
    signature_at = _signature_start(lines)
    signature = lines[signature_at:]
    offset = len("\n".join(lines[:signature_at]))
    domain = domain_of(parsed.from_address)
    found = find_identifiers(body, region_for_domain(domain))

    own = {parsed.from_address.lower(), *(a.lower() for a in parsed.to + parsed.cc)}
    requester_phone = ""
    targets: list[Target] = []
    for item in found:
        in_signature = item.start >= offset
        line = _line_at(body, item.start)
        is_contact_phone = item.kind == TargetKind.PHONE and (
            in_signature or PHONE_LABEL.search(line)
        )
        if (
            is_contact_phone
            and not requester_phone
            and (in_signature or "call" not in line.lower())
        ):
            requester_phone = item.value
            continue
        if item.kind == TargetKind.EMAIL and item.value.lower() in own:
            continue
        if in_signature and item.kind in (TargetKind.EMAIL, TargetKind.PROFILE_URL):
            continue  # the requester's own contact details
        targets.append(Target(item.kind, item.value))
    if len(targets) > MAX_TARGETS:
        warnings.append(
            f"{len(targets)} identifiers found in the message; the first {MAX_TARGETS} are "
            "kept as targets."
        )
        targets = targets[:MAX_TARGETS]

    match = directory.lookup(domain) if domain else None
    agency = match.agency.name if match and match.agency else _agency_line(signature)
    badge = BADGE_RE.search(body)
    text_for_guess = f"{parsed.subject}\n{body}"
    nature = rules.guess_nature(text_for_guess)
    if nature is None:
        nature = Category.OTHER
        warnings.append("Emergency nature not recognised; set to Other. Check it.")
    else:
        warnings.append(f"Emergency nature guessed from the wording: {nature.value}. Check it.")
    lowered = text_for_guess.casefold()
    data = tuple(c for c, words in DATA_WORDS.items() if any(w in lowered for w in words))
    legal = LEGAL_RE.search(body)
    received = parsed.date or received_fallback
    escalation = Escalation(
        channel=Channel.EMAIL,
        received_at=received,
        requester_name=parsed.from_name,
        requester_rank=_rank("\n".join(lines[:3] + signature)),
        requester_badge=badge.group(1) if badge else "",
        agency=agency,
        country=_country(domain, directory),
        requester_email=parsed.from_address,
        requester_phone=requester_phone,
        emergency_nature=nature,
        narrative=body,
        targets=tuple(targets),
        data_categories=data,
        legal_basis=legal.group(0) if legal else "",
        message_id=parsed.message_id,
    )
    title = parsed.subject.strip() or (
        f"E-mail from {parsed.from_address}" if parsed.from_address else "E-mail request"
    )
    return Draft(escalation, title[:500], rules.priority_for(nature), nature, warnings)


def _line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)]


__all__ = ["Draft", "Found", "draft_from_message"]
