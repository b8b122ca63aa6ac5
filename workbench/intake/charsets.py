"""Decoding mail text whose charset is declared wrongly or not at all.

Japanese mail arrives in ISO-2022-JP, Shift_JIS (really Windows-31J) or EUC-JP; Spanish and
Portuguese mail in Latin-1 (often really Windows-1252). Labels are often wrong: UTF-8 labelled
Latin-1, Shift_JIS with no label, raw 8-bit bytes in a Subject. We try the declared charset
strictly first, then score the candidates on what the decoded text looks like, and say in a
warning what we did, so the investigator knows to look at the original.
"""

from __future__ import annotations

import codecs
import email.errors
import email.header
import re
import unicodedata
from dataclasses import dataclass

# Declared names -> the codec that decodes what senders really mean by them (supersets).
ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-2022-jp-1": "iso2022_jp_1",
    "iso-2022-jp-2": "iso2022_jp_2",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "unknown-8bit": "",
    "x-unknown": "",
}
SINGLE_BYTE = {"ascii", "cp1252", "latin_1", "iso8859_15", "iso8859_2"}
ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(B", b"\x1b$(D", b"\x1b(I")
ISO2022_CODECS = ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_1", "iso2022_jp")
GUESSES = ("utf_8", "cp932", "euc_jp", "cp1252", "latin_1")
_WEIRD_LATIN = set("‹›†‡‰ˆ˜¤¦¨¯´¸")


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str  # the codec actually used
    warning: str | None = None


def codec_for(declared: str | None) -> str | None:
    """The Python codec for a declared charset name; None when unknown or absent."""
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    if name in ALIASES:
        return ALIASES[name] or None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _has_iso2022(data: bytes) -> bool:
    return any(escape in data for escape in ISO2022_ESCAPES)


def _score(text: str, codec: str) -> float:
    """How much `text` looks like real writing in that codec's languages (higher is better)."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return 1.0
    n = len(non_ascii)
    controls = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))
    controls -= text.count("\n") + text.count("\r") + text.count("\t")
    if codec == "utf_8":
        return 100.0 - 10 * controls
    if codec.startswith("iso2022"):
        return 100.0 - 10 * controls
    if codec in ("cp932", "euc_jp"):
        kana = sum(1 for ch in non_ascii if "\u3040" <= ch <= "\u30ff")
        cjk = sum(1 for ch in non_ascii if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f")
        wide = sum(1 for ch in non_ascii if "\uff01" <= ch <= "\uff5e")
        halfwidth = sum(1 for ch in non_ascii if "\uff61" <= ch <= "\uff9f")
        good = kana * 2 + cjk + wide
        if kana == 0 and n > 6:
            good //= 2  # real Japanese prose has kana; long kanji-only runs are suspicious
        return 80.0 * (good - 3 * halfwidth - 5 * controls) / (2 * n)
    letters = sum(1 for ch in non_ascii if ch.isalpha() and "\u00c0" <= ch <= "\u017f")
    punctuation = sum(1 for ch in non_ascii if ch in "“”‘’–—…€«»¡¿ºª°·")
    weird = sum(1 for ch in non_ascii if ch in _WEIRD_LATIN)
    # UTF-8 read as Latin: "Ã©", "Ã£" pairs
    mojibake = len(re.findall("[\u00c2-\u00f4][\u0080-\u00bf]", text))
    return 60.0 * (letters + punctuation - 3 * weird - 3 * mojibake - 5 * controls) / n


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def guess(data: bytes) -> Decoded:
    """Best decoding of undeclared bytes."""
    if not any(b > 127 for b in data) and not _has_iso2022(data):
        return Decoded(data.decode("ascii"), "ascii")
    if _has_iso2022(data):
        for codec in ISO2022_CODECS:
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec)
    best: Decoded | None = None
    best_score = float("-inf")
    for codec in GUESSES:
        text = _strict(data, codec)
        if text is None:
            continue
        score = _score(text, codec)
        if score > best_score:
            best, best_score = Decoded(text, codec), score
    assert best is not None  # latin_1 always decodes
    return best


def decode_bytes(data: bytes, declared: str | None, where: str = "text") -> Decoded:
    """Decode `data` declared as `declared`; a warning says when the label was not trusted."""
    codec = codec_for(declared)
    if declared and codec is None:
        found = guess(data)
        return Decoded(
            found.text,
            found.charset,
            f"{where}: unknown charset {declared!r}; decoded as {found.charset}.",
        )
    if codec is None:
        found = guess(data)
        if found.charset == "ascii":
            return found
        return Decoded(
            found.text,
            found.charset,
            f"{where}: no charset declared but the text is not plain ASCII; "
            f"decoded as {found.charset}.",
        )
    text = _strict(data, codec)
    if text is not None:
        if codec in SINGLE_BYTE or codec == "ascii":
            # A single-byte label can be wrong without failing: prefer a decoding that
            # looks clearly better (UTF-8 or ISO-2022-JP sent as Latin-1, Shift_JIS as ascii).
            found = guess(data)
            if found.charset not in SINGLE_BYTE and _score(found.text, found.charset) > max(
                _score(text, codec) + 20, 30
            ):
                return Decoded(
                    found.text,
                    found.charset,
                    f"{where}: declared {declared} but the bytes are {found.charset}; "
                    f"decoded as {found.charset}.",
                )
        return Decoded(text, codec)
    lenient = data.decode(codec, "replace")
    bad = lenient.count("\ufffd")
    found = guess(data)
    non_ascii = max(1, sum(1 for ch in lenient if ord(ch) > 127))
    lenient_score = _score(lenient, codec) - 50 * bad / non_ascii
    if bad <= max(2, len(lenient) // 500) and lenient_score >= _score(found.text, found.charset):
        # a stray broken byte in otherwise good text
        return Decoded(
            lenient,
            codec,
            f"{where}: {bad} invalid {declared} byte sequence(s) replaced by \ufffd.",
        )
    return Decoded(
        found.text,
        found.charset,
        f"{where}: declared {declared} but the bytes are not valid {declared}; "
        f"decoded as {found.charset}.",
    )


def decode_header_value(raw: str, where: str = "header") -> Decoded:
    """A header as it appeared in the file (RFC 2047 words, or raw 8-bit bytes kept by the
    parser as surrogate escapes), decoded with the same care as bodies."""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        data = raw.encode("ascii", "surrogateescape")
        found = decode_bytes(data, None, where)
        warning = (
            f"{where}: raw 8-bit characters instead of RFC 2047 encoding; "
            f"decoded as {found.charset}."
        )
        return Decoded(_unfold(found.text), found.charset, warning)
    try:
        pieces = email.header.decode_header(raw)
    except (ValueError, email.errors.HeaderParseError) as exc:
        return Decoded(_unfold(raw), "ascii", f"{where}: malformed encoded words ({exc}).")
    texts: list[str] = []
    warnings: list[str] = []
    used = "ascii"
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            texts.append(chunk)
            continue
        found = decode_bytes(chunk, charset, where)
        texts.append(found.text)
        if charset:
            used = found.charset
        if found.warning:
            warnings.append(found.warning)
    return Decoded(_unfold("".join(texts)), used, " ".join(dict.fromkeys(warnings)) or None)


def _unfold(text: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", text).strip()
