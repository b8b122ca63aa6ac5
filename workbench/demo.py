"""A realistic, entirely fictional sample case for first runs, demos and tests.

The case is taken through the whole workflow: the graph and evidence here, then (in
`demo_records.py`) the escalation read from the request e-mail, the requester verification, a
threat assessment and an approved emergency disclosure with a data preservation.

Every name, number and address is fictional: domains use the reserved `.example` TLD, IPs the
documentation ranges (RFC 5737 / RFC 3849), UK phone numbers the Ofcom drama ranges.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from workbench.demo_records import record_workflow
from workbench.model import Case, Category, Confidence, Priority, ProvenanceKind
from workbench.store.graph import Source
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

DEMO_TITLE = "Live-stream self-harm threat: @nightowl_rin"

# (key, type, value, label, properties)
ENTITIES: list[tuple[str, str, str, str | None, dict[str, object]]] = [
    (
        "subject",
        "person",
        "Rin (surname unknown)",
        None,
        {"age": 17, "notes": "Stated age 17 in profile; treat as a minor until disproven."},
    ),
    (
        "requester",
        "person",
        "DS Maria Okafor",
        "Det. Sgt. Maria Okafor",
        {"notes": "Requester; badge 4471, Public Protection Unit"},
    ),
    ("supervisor", "person", "Insp. Daniel Hughes", None, {"notes": "Requester's supervisor"}),
    ("friend", "person", "Kenji T.", None, {"notes": "Friend who alerted police"}),
    (
        "acct_stream",
        "account",
        "nightowl_rin",
        "@nightowl_rin (StreamHub)",
        {
            "platform": "StreamHub",
            "handle": "nightowl_rin",
            "user_id": "58214407",
            "profile_url": "https://streamhub.example/nightowl_rin",
        },
    ),
    (
        "acct_photo",
        "account",
        "rin.nightowl",
        "rin.nightowl (PhotoShare)",
        {"platform": "PhotoShare", "handle": "rin.nightowl", "user_id": "p-99120"},
    ),
    (
        "acct_friend",
        "account",
        "kenji_t",
        "@kenji_t (StreamHub)",
        {"platform": "StreamHub", "handle": "kenji_t", "user_id": "58190032"},
    ),
    (
        "acct_alt",
        "account",
        "owl_rin_alt",
        "@owl_rin_alt (StreamHub)",
        {"platform": "StreamHub", "handle": "owl_rin_alt", "user_id": "60011873"},
    ),
    (
        "email_subject",
        "email",
        "rin.nightowl@mailbox.example",
        None,
        {"provider": "mailbox.example"},
    ),
    ("email_requester", "email", "m.okafor@harbour-police.example", None, {}),
    ("phone_subject", "phone", "+44 7700 900123", None, {"country": "GB", "line_type": "mobile"}),
    (
        "phone_agency",
        "phone",
        "+44 20 7946 0018",
        None,
        {"country": "GB", "line_type": "fixed_line"},
    ),
    ("domain_agency", "domain", "harbour-police.example", None, {}),
    ("domain_mail", "domain", "mailbox.example", None, {}),
    (
        "ip_home",
        "ip",
        "203.0.113.45",
        None,
        {"country": "GB", "organisation": "ExampleNet Broadband"},
    ),
    (
        "ip_mobile",
        "ip",
        "198.51.100.23",
        None,
        {"country": "GB", "organisation": "ExampleTel Mobile"},
    ),
    ("ip_v6", "ip", "2001:db8::1f", None, {"country": "GB"}),
    (
        "url_stream",
        "url",
        "https://streamhub.example/live/nightowl_rin",
        None,
        {"title": "nightowl_rin is offline"},
    ),
    ("url_photo", "url", "https://photoshare.example/p/88213", None, {}),
    (
        "loc_home",
        "location",
        "Riverside flats, Harbour Road, Bristol",
        None,
        {"latitude": 51.4470, "longitude": -2.5990, "precision_m": 400, "country": "GB"},
    ),
    (
        "loc_photo",
        "location",
        "Photo location near Bristol Temple Meads",
        None,
        {"latitude": 51.4491, "longitude": -2.5813, "precision_m": 50, "country": "GB"},
    ),
    (
        "org_agency",
        "organization",
        "Harbour Police",
        None,
        {"kind": "law enforcement", "country": "GB"},
    ),
    ("org_platform", "organization", "StreamHub Ltd", None, {"kind": "platform"}),
    (
        "org_carrier",
        "organization",
        "ExampleTel",
        None,
        {"kind": "mobile carrier", "country": "GB"},
    ),
    (
        "device_phone",
        "device",
        "Phone model X12 (IMEI ending 4821)",
        None,
        {"make": "Example", "model": "X12", "identifier": "...4821"},
    ),
    (
        "post_announce",
        "post",
        "streamhub:post:7733019",
        'Announcement: "last stream tonight"',
        {
            "platform": "StreamHub",
            "post_id": "7733019",
            "author": "nightowl_rin",
            "text": "going live at 10pm. last stream ever. thanks for everything x",
        },
    ),
    (
        "post_friend",
        "post",
        "streamhub:comment:7733120",
        "Comment by @kenji_t",
        {
            "platform": "StreamHub",
            "post_id": "7733120",
            "author": "kenji_t",
            "text": "rin please pick up your phone, I'm calling the police",
        },
    ),
    (
        "post_photo",
        "post",
        "photoshare:p-88213",
        "Photo post with location tag",
        {"platform": "PhotoShare", "post_id": "p-88213", "author": "rin.nightowl"},
    ),
    (
        "event_stream",
        "event",
        "Announced live stream, 22:00 local",
        None,
        {"place": "StreamHub live"},
    ),
    ("event_login", "event", "Login from new IP 198.51.100.23", None, {}),
    (
        "doc_request",
        "document",
        "Emergency disclosure request (e-mail)",
        None,
        {"mime_type": "message/rfc822"},
    ),
    ("note_helpline", "note", "In-app helpline card shown to @nightowl_rin", None, {}),
]

# (source, target, type, confidence, reliability, credibility, provenance-evidence key)
LINKS: list[tuple[str, str, str, Confidence, str, str, str | None]] = [
    ("subject", "acct_stream", "owns", Confidence.CONFIRMED, "B", "2", "request"),
    ("subject", "acct_photo", "owns", Confidence.SUSPECTED, "C", "3", None),
    ("subject", "acct_alt", "owns", Confidence.SUSPECTED, "D", "4", None),
    ("acct_stream", "acct_alt", "same_as", Confidence.SUSPECTED, "C", "4", None),
    ("acct_friend", "acct_photo", "same_as", Confidence.REFUTED, "B", "5", None),
    ("friend", "acct_friend", "owns", Confidence.CONFIRMED, "B", "2", "request"),
    ("acct_stream", "email_subject", "uses", Confidence.CONFIRMED, "A", "1", "export"),
    ("acct_stream", "phone_subject", "uses", Confidence.CONFIRMED, "A", "1", "export"),
    ("acct_stream", "ip_home", "logged_in_from", Confidence.CONFIRMED, "A", "1", "export"),
    ("acct_stream", "ip_mobile", "logged_in_from", Confidence.CONFIRMED, "A", "1", "export"),
    ("acct_stream", "ip_v6", "logged_in_from", Confidence.CONFIRMED, "A", "1", "export"),
    ("acct_stream", "device_phone", "uses", Confidence.CONFIRMED, "A", "2", "export"),
    ("acct_stream", "post_announce", "posted", Confidence.CONFIRMED, "A", "1", "capture"),
    ("acct_friend", "post_friend", "posted", Confidence.CONFIRMED, "A", "1", "capture"),
    ("acct_photo", "post_photo", "posted", Confidence.CONFIRMED, "B", "2", None),
    ("post_friend", "acct_stream", "mentions", Confidence.CONFIRMED, "A", "1", "capture"),
    ("acct_friend", "acct_stream", "communicates_with", Confidence.CONFIRMED, "A", "2", "export"),
    ("post_announce", "event_stream", "mentions", Confidence.CONFIRMED, "A", "1", "capture"),
    ("acct_stream", "url_stream", "related_to", Confidence.CONFIRMED, "A", "1", None),
    ("post_photo", "url_photo", "related_to", Confidence.CONFIRMED, "A", "1", None),
    ("post_photo", "loc_photo", "located_at", Confidence.SUSPECTED, "C", "3", None),
    ("subject", "loc_home", "located_at", Confidence.SUSPECTED, "B", "3", "request"),
    ("ip_home", "loc_home", "located_at", Confidence.SUSPECTED, "C", "4", None),
    ("phone_subject", "org_carrier", "registered_to", Confidence.CONFIRMED, "B", "2", None),
    ("ip_mobile", "org_carrier", "registered_to", Confidence.CONFIRMED, "B", "2", None),
    ("email_subject", "domain_mail", "related_to", Confidence.CONFIRMED, "A", "1", None),
    ("requester", "org_agency", "member_of", Confidence.SUSPECTED, "C", "3", "request"),
    ("supervisor", "org_agency", "member_of", Confidence.SUSPECTED, "C", "3", "request"),
    ("requester", "email_requester", "uses", Confidence.CONFIRMED, "B", "2", "request"),
    ("requester", "phone_agency", "uses", Confidence.SUSPECTED, "C", "3", "request"),
    ("email_requester", "domain_agency", "related_to", Confidence.CONFIRMED, "A", "1", None),
    ("domain_agency", "org_agency", "registered_to", Confidence.SUSPECTED, "F", "6", None),
    ("acct_stream", "org_platform", "member_of", Confidence.CONFIRMED, "A", "1", None),
    ("acct_stream", "event_login", "related_to", Confidence.CONFIRMED, "A", "1", "export"),
    ("event_login", "ip_mobile", "related_to", Confidence.CONFIRMED, "A", "1", "export"),
    ("doc_request", "requester", "mentions", Confidence.CONFIRMED, "A", "1", "request"),
    ("doc_request", "acct_stream", "mentions", Confidence.CONFIRMED, "A", "1", "request"),
    ("note_helpline", "acct_stream", "related_to", Confidence.CONFIRMED, "A", "1", None),
]


def _request_email(received: str, stream_time: str) -> bytes:
    """The request as the platform's mail server stored it: with the trace and the
    authentication verdict that server added on receipt."""
    message = EmailMessage()
    message["Return-Path"] = "<m.okafor@harbour-police.example>"
    message["Received"] = (
        "from mail.harbour-police.example (mail.harbour-police.example [192.0.2.25]) by "
        f"mx.streamhub.example with ESMTPS; {received}"
    )
    message["Authentication-Results"] = (
        "mx.streamhub.example; spf=pass smtp.mailfrom=m.okafor@harbour-police.example; "
        "dkim=pass header.d=harbour-police.example; dmarc=pass header.from=harbour-police.example"
    )
    message["From"] = "DS Maria Okafor <m.okafor@harbour-police.example>"
    message["To"] = "lert@streamhub.example"
    message["Subject"] = "EMERGENCY DISCLOSURE REQUEST - risk to life - user nightowl_rin"
    message["Date"] = received
    message["Message-ID"] = make_msgid(domain="harbour-police.example")
    message.set_content(
        "To the StreamHub Law Enforcement Response Team,\n\n"
        "I am Detective Sergeant Maria Okafor (badge 4471), Public Protection Unit, Harbour "
        "Police. We received a call from a friend of the user @nightowl_rin (StreamHub user "
        "ID 58214407), who has announced a 'last stream ever' at 22:00 local time tonight "
        f"({stream_time}). The friend believes the user, who is 17, intends to harm herself "
        "on the stream. Attempts to reach her on +44 7700 900123 have failed.\n\n"
        "We request, under the emergency disclosure provisions, the subscriber information "
        "and the most recent login IP addresses for the account, so that officers can attend "
        "the address and check on her welfare. Ordinary legal process cannot be completed "
        "before the announced time.\n\n"
        "Supervisor: Inspector Daniel Hughes. Desk: +44 20 7946 0018.\n\n"
        "DS Maria Okafor\nHarbour Police\n"
    )
    return bytes(message)


CAPTURE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nightowl_rin on StreamHub</title>
<meta property="og:title" content="nightowl_rin: last stream tonight">
<meta property="og:url" content="https://streamhub.example/nightowl_rin/posts/7733019">
</head><body>
<article data-post-id="7733019">
<header><a href="/nightowl_rin">@nightowl_rin</a> <time datetime="{posted}">{posted}</time></header>
<p>going live at 10pm. last stream ever. thanks for everything x</p>
<section class="comments">
<div data-comment-id="7733120"><a href="/kenji_t">@kenji_t</a>
<p>rin please pick up your phone, I'm calling the police</p></div>
</section></article></body></html>
"""


def create_demo_case(ws: Workspace) -> Case:
    """Create the sample case in `ws` and return it (a new copy each call)."""
    now = utcnow()
    received = now - timedelta(minutes=42)
    stream_time = (now + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M UTC")
    case = ws.cases.create(
        DEMO_TITLE,
        priority=Priority.P1,
        category=Category.SELF_HARM,
        description=(
            "Harbour Police request emergency disclosure for StreamHub account @nightowl_rin: "
            "a 17-year-old user announced a 'last stream ever' for 22:00 local time tonight. "
            "Requested: subscriber info and recent login IPs. Fictional sample case."
        ),
        tags=["emergency", "live-stream", "minor", "sample"],
        assignee=ws.actor,
    )
    evidence = {
        "request": ws.evidence.add_bytes(
            case.id,
            _request_email(format_datetime(received), stream_time),
            "emergency_request.eml",
            description="Original emergency request e-mail",
            mime_type="message/rfc822",
        ),
        "capture": ws.evidence.add_bytes(
            case.id,
            CAPTURE_HTML.format(posted=(now - timedelta(hours=1)).isoformat()).encode(),
            "streamhub_post_7733019.html",
            description="Saved page of the announcement post",
            mime_type="text/html",
            source_url="https://streamhub.example/nightowl_rin/posts/7733019",
            sensitivity="self-harm",
        ),
        "export": ws.evidence.add_bytes(
            case.id,
            (
                "account_id,event,ip,device,time_utc\n"
                f"58214407,login,203.0.113.45,X12,{(now - timedelta(days=2)).isoformat()}\n"
                f"58214407,login,198.51.100.23,X12,{(now - timedelta(hours=5)).isoformat()}\n"
                f"58214407,login,2001:db8::1f,X12,{(now - timedelta(hours=26)).isoformat()}\n"
            ).encode(),
            "internal_login_export.csv",
            description="Internal back-end login export",
            mime_type="text/csv",
        ),
    }
    ids: dict[str, str] = {}
    for key, entity_type, value, label, properties in ENTITIES:
        entity = ws.graph.add_entity(
            case.id, entity_type, value, label=label, properties=dict(properties)
        )
        ids[key] = entity.id
    ws.graph.update_entity(
        ids["doc_request"],
        properties={"mime_type": "message/rfc822", "evidence_id": evidence["request"].id},
    )
    for src, dst, link_type, confidence, reliability, credibility, ev_key in LINKS:
        source = (
            Source(ProvenanceKind.EVIDENCE, evidence[ev_key].id, evidence[ev_key].filename)
            if ev_key
            else Source()
        )
        ws.graph.add_link(
            case.id,
            ids[src],
            ids[dst],
            link_type,
            confidence=confidence,
            reliability=reliability,
            credibility=credibility,
            source=source,
        )
    record_workflow(ws, case.id, {key: item.id for key, item in evidence.items()}, ids)
    return ws.cases.get(case.id)
