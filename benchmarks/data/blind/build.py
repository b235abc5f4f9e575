"""Render the held-out material from its hand-written sources.

Each transcript is written once, by hand, in ``_source/<study>/<name>.src``: the speech with its
identifiers marked ``[[Type|text]]`` and its transcriber marks wrapped in ``{{...}}``. This script
writes, from that one source, both the transcript file in its real-world layout (Teams or Zoom
WebVTT, Otter text or markdown, Word, CSV, SRT, typed research transcripts ...) and the gold JSON
the scorer reads, so the two can never drift apart. The Word files are written with python-docx
with fixed properties and zip dates, so a rebuild is byte-identical and MANIFEST.sha256 holds.

Source format (one item per line, blank lines and ``#`` comments ignored):

    @file NAME.ext            the transcript file to write
    @layout TEXT              the layout, as recorded in the gold file
    @render KIND              teams_vtt, zoom_vtt, otter_txt, otter_md, rev, stamp_code,
                              qualcoder, numbered, typed, docx, csv, srt_labelled, srt_unlabelled
    @options WORDS            bom crlf cp1252 utf16 nbsp stamps
    @csvheader A,B,C          the CSV header row
    @start HH:MM:SS           clock at the first turn
    @meta LINE                header / title line (metadata), written before the first turn
    @footer LINE              metadata written after the last turn
    == HEADING                a section heading between turns
    !! LINE                   a note-taker line between turns (metadata)
    ?? LINE                   an unlabelled numbered prompt: a turn by "Moderator"
    Label | text              a turn; ``//`` in the text starts a new cue or paragraph
    Label @STAMP | text       the same, with a literal timestamp (malformed ones on purpose)

``{_}`` stands for a non-breaking space.

Usage: python benchmarks/data/blind/build.py        (rebuilds every study and MANIFEST.sha256)
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import sys
import textwrap
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "_source"

TYPES = {
    "Person", "Place", "Organisation", "Phone", "Email", "NHS number", "Postcode",
    "Date of birth", "Address", "Card number", "Bank account", "NI number", "IP address",
    "Username", "ID number",
}
IDENT = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")
MARK = re.compile(r"\{\{(.+?)\}\}")
NBSP = "\u00a0"


@dataclass
class Unit:
    text: str  # marked source text of one cue / paragraph


@dataclass
class Item:
    kind: str  # turn, section, note, prompt
    speaker: str = ""
    units: list[Unit] = field(default_factory=list)
    stamp: str | None = None
    line: str = ""


@dataclass
class Source:
    path: Path
    file: str = ""
    layout: str = ""
    render: str = ""
    options: set[str] = field(default_factory=set)
    csvheader: list[str] = field(default_factory=list)
    start: float = 2.0
    meta: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


def parse(path: Path) -> Source:
    src = Source(path)
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            value = value.strip()
            if key == "file":
                src.file = value
            elif key == "layout":
                src.layout = value
            elif key == "render":
                src.render = value
            elif key == "options":
                src.options.update(value.split())
            elif key == "csvheader":
                src.csvheader = [h.strip() for h in value.split(",")]
            elif key == "start":
                h, m, s = (int(x) for x in value.split(":"))
                src.start = h * 3600 + m * 60 + s
            elif key == "meta":
                src.meta.append(value.replace("{_}", NBSP))
            elif key == "footer":
                src.footer.append(value)
            else:
                raise SystemExit(f"{path}:{n}: unknown directive @{key}")
            continue
        if line.startswith("== "):
            src.items.append(Item("section", line=line[3:].strip()))
        elif line.startswith("!! "):
            src.items.append(Item("note", line=line[3:].strip()))
        elif line.startswith("?? "):
            src.items.append(Item("prompt", speaker="Moderator", units=[Unit(line[3:].strip())]))
        elif " | " in line:
            head, _, text = line.partition(" | ")
            stamp = None
            m = re.match(r"^(.*?)\s+@(\S+)$", head)
            if m:
                head, stamp = m.group(1), m.group(2)
            units = [Unit(u.strip()) for u in text.split("//") if u.strip()]
            src.items.append(Item("turn", speaker=head.strip(), units=units, stamp=stamp))
        else:
            raise SystemExit(f"{path}:{n}: cannot read line: {line[:40]!r}")
    return src


# ---------------------------------------------------------------- text helpers

def rendered(marked: str) -> str:
    text = IDENT.sub(lambda m: m.group(2), marked)
    text = MARK.sub(lambda m: m.group(1), text)
    return text.replace("{_}", NBSP)


def gold_text(units: list[Unit]) -> str:
    joined = " ".join(u.text for u in units)
    joined = MARK.sub(" ", joined).replace("{_}", NBSP)
    return re.sub(r"[ \t\r\n]+", " ", joined).strip()


def words(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.?!])\s+(?=[A-Z\"\u201c\u2018\[(])", text)
    return [p for p in parts if p]


def chunks(text: str, limit: int) -> list[str]:
    """Group sentences into cue-sized chunks, as captioning tools do."""
    out: list[str] = []
    for sent in sentences(text):
        if out and len(out[-1]) + 1 + len(sent) <= limit:
            out[-1] += " " + sent
        else:
            out.append(sent)
    return out or [text]


class Clock:
    def __init__(self, start: float):
        self.t = start

    def advance(self, text: str) -> tuple[float, float]:
        begin = self.t
        dur = max(1.1, words(text) * 0.37)
        self.t = begin + dur + 0.35
        return begin, begin + dur

    def gap(self, seconds: float = 4.0) -> None:
        self.t += seconds


def hms(t: float, sep: str = ".", ms: bool = True) -> str:
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    whole = int(s)
    frac = int(round((s - whole) * 1000))
    if frac == 1000:
        whole, frac = whole + 1, 0
    base = f"{int(h):02d}:{int(m):02d}:{whole:02d}"
    return f"{base}{sep}{frac:03d}" if ms else base


def short(t: float) -> str:
    h, rem = divmod(int(t), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def mmss(t: float) -> str:
    m, s = divmod(int(t), 60)
    return f"{m:02d}:{s:02d}"


# ---------------------------------------------------------------- renderers

def r_teams_vtt(src: Source) -> str:
    clock = Clock(src.start)
    out = ["WEBVTT", ""]
    n = 0
    for it in src.items:
        if it.kind != "turn":
            raise SystemExit(f"{src.path}: teams_vtt has no place for {it.kind}")
        seg = uuid.uuid5(uuid.NAMESPACE_URL, f"{src.file}/{it.speaker}/{n}")
        for u in it.units:
            for piece in chunks(rendered(u.text), 120):
                n += 1
                b, e = clock.advance(piece)
                body = "\n".join(textwrap.wrap(piece, 92)) if len(piece) > 100 else piece
                out += [f"{seg}/{n}-0", f"{hms(b)} --> {hms(e)}", f"<v {it.speaker}>{body}</v>", ""]
        clock.gap(0.6)
    return "\n".join(out)


def r_zoom_vtt(src: Source) -> str:
    clock = Clock(src.start)
    out = ["WEBVTT", ""]
    n = 0
    for it in src.items:
        if it.kind != "turn":
            raise SystemExit(f"{src.path}: zoom_vtt has no place for {it.kind}")
        first = True
        for u in it.units:
            for piece in chunks(rendered(u.text), 110):
                n += 1
                b, e = clock.advance(piece)
                text = f"{it.speaker}: {piece}" if first else piece
                first = False
                out += [str(n), f"{hms(b)} --> {hms(e)}", text, ""]
    return "\n".join(out)


def r_otter_txt(src: Source) -> str:
    clock = Clock(src.start)
    out: list[str] = []
    for it in src.items:
        if it.kind != "turn":
            raise SystemExit(f"{src.path}: otter_txt has no place for {it.kind}")
        text = " ".join(rendered(u.text) for u in it.units)
        b, _ = clock.advance(text)
        out += [f"{it.speaker}  {short(b)}", text, ""]
    out += src.footer
    return "\n".join(out) + "\n"


def r_otter_md(src: Source) -> str:
    clock = Clock(src.start)
    out: list[str] = []
    for m in src.meta:
        out += [m, ""]
    for it in src.items:
        if it.kind == "section":
            out += [f"## {it.line}", ""]
            continue
        if it.kind != "turn":
            raise SystemExit(f"{src.path}: otter_md has no place for {it.kind}")
        text = "\n".join(rendered(u.text) for u in it.units)
        b, _ = clock.advance(text)
        out += [f"**{it.speaker}**  {short(b)}", text, ""]
    out += src.footer
    return "\n".join(out) + "\n"


def _between(it: Item, out: list[str]) -> bool:
    """Headings, note lines and prompts written as their own paragraph."""
    if it.kind in ("section", "note"):
        out += [it.line, ""]
        return True
    if it.kind == "prompt":
        out += [rendered(it.units[0].text), ""]
        return True
    return False


def r_rev(src: Source) -> str:
    clock = Clock(src.start)
    out: list[str] = []
    for m in src.meta:
        out.append(m)
    if src.meta:
        out.append("")
    for it in src.items:
        if _between(it, out):
            continue
        for i, u in enumerate(it.units):
            text = rendered(u.text)
            b, _ = clock.advance(text)
            stamp = it.stamp if (it.stamp and i == 0) else hms(b, ms=False)
            out += [f"{it.speaker} ({stamp}): {text}", ""]
    out += src.footer
    return "\n".join(out) + "\n"


def r_stamp_code(src: Source) -> str:
    clock = Clock(src.start)
    out: list[str] = [*src.meta]
    if src.meta:
        out.append("")
    for it in src.items:
        if _between(it, out):
            continue
        for u in it.units:
            text = rendered(u.text)
            b, _ = clock.advance(text)
            out += [f"[{mmss(b)}] [{it.speaker}] {text}", ""]
    return "\n".join(out)


def r_qualcoder(src: Source) -> str:
    out: list[str] = [*src.meta]
    if src.meta:
        out.append("")
    for it in src.items:
        if _between(it, out):
            continue
        for i, u in enumerate(it.units):
            text = rendered(u.text)
            out += [f"[{it.speaker}] {text}" if i == 0 else text, ""]
    return "\n".join(out)


def r_numbered(src: Source) -> str:
    out: list[str] = [*src.meta]
    if src.meta:
        out.append("")
    n = 0
    for it in src.items:
        if _between(it, out):
            continue
        for u in it.units:
            n += 1
            out.append(f"[T{n:03d}] {it.speaker}: {rendered(u.text)}")
        out.append("")
    return "\n".join(out)


def r_typed(src: Source) -> str:
    clock = Clock(src.start)
    out: list[str] = [*src.meta]
    if src.meta:
        out.append("")
    nturn = 0
    sep = NBSP if "nbsp" in src.options else " "
    for it in src.items:
        if _between(it, out):
            continue
        nturn += 1
        for i, u in enumerate(it.units):
            text = rendered(u.text)
            b, _ = clock.advance(text)
            if i == 0:
                stamp = ""
                if it.stamp:
                    stamp = f"[{it.stamp}] "
                elif "stamps" in src.options and nturn % 4 == 1:
                    stamp = f"[{hms(b, ms=False)}] "
                gap = sep if nturn % 5 == 3 else " "
                out += [f"{stamp}{it.speaker}:{gap}{text}", ""]
            else:
                out += [text, ""]
    out += src.footer
    return "\n".join(out)


def r_srt(src: Source, labelled: bool) -> str:
    clock = Clock(src.start)
    out: list[str] = []
    n = 0
    for it in src.items:
        if it.kind != "turn":
            raise SystemExit(f"{src.path}: srt has no place for {it.kind}")
        first = True
        pieces = [rendered(u.text) for u in it.units]
        if labelled:
            pieces = [c for p in pieces for c in chunks(p, 84)]
        for piece in pieces:
            n += 1
            b, e = clock.advance(piece)
            text = f"{it.speaker}: {piece}" if (labelled and first) else piece
            first = False
            lines = textwrap.wrap(text, 46) if len(text) > 46 else [text]
            out += [str(n), f"{hms(b, ',')} --> {hms(e, ',')}", *lines, ""]
    return "\n".join(out)


def r_csv(src: Source) -> str:
    clock = Clock(src.start)
    buf = io.StringIO()
    header = src.csvheader or ["timestamp", "speaker", "text"]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for it in src.items:
        if it.kind != "turn":
            raise SystemExit(f"{src.path}: csv has no place for {it.kind}")
        for u in it.units:
            text = rendered(u.text)
            b, e = clock.advance(text)
            row = {"speaker": it.speaker, "text": text, "start": hms(b, ms=False),
                   "end": hms(e, ms=False)}
            w.writerow([row[_csv_field(h)] for h in header])
    return buf.getvalue()


def _csv_field(header: str) -> str:
    h = header.lower()
    if "speaker" in h or h == "name":
        return "speaker"
    if "end" in h:
        return "end"
    if "time" in h or "start" in h:
        return "start"
    return "text"


FIXED_TIME = dt.datetime(2024, 11, 5, 10, 0, tzinfo=dt.timezone.utc)


def r_docx(src: Source) -> bytes:
    from docx import Document  # python-docx, only needed for the Word files

    doc = Document()
    props = doc.core_properties
    props.author = "research team"
    props.created = props.modified = FIXED_TIME
    props.last_modified_by = "research team"
    props.revision = 1
    for i, m in enumerate(src.meta):
        doc.add_paragraph(m, style="Title" if i == 0 else None)
    for it in src.items:
        if it.kind == "section":
            doc.add_paragraph(it.line, style="Heading 2")
            continue
        if it.kind in ("note", "prompt"):
            text = it.line if it.kind == "note" else rendered(it.units[0].text)
            doc.add_paragraph(text)
            continue
        for i, u in enumerate(it.units):
            p = doc.add_paragraph()
            if i == 0:
                p.add_run(f"{it.speaker}:").bold = True
                p.add_run(" " + rendered(u.text))
            else:
                p.add_run(rendered(u.text))
    for f in src.footer:
        doc.add_paragraph(f)
    raw = io.BytesIO()
    doc.save(raw)
    # Rewrite the zip with fixed dates so a rebuild is byte-identical.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: i.filename):
            data = zin.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 11, 5, 10, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
    return out.getvalue()


RENDER = {
    "teams_vtt": r_teams_vtt, "zoom_vtt": r_zoom_vtt, "otter_txt": r_otter_txt,
    "otter_md": r_otter_md, "rev": r_rev, "stamp_code": r_stamp_code, "qualcoder": r_qualcoder,
    "numbered": r_numbered, "typed": r_typed, "csv": r_csv,
    "srt_labelled": lambda s: r_srt(s, True), "srt_unlabelled": lambda s: r_srt(s, False),
}


def encode(src: Source, text: str) -> bytes:
    if "crlf" in src.options:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if "utf16" in src.options:
        return text.encode("utf-16")  # with its byte-order mark, as Notepad writes it
    if "cp1252" in src.options:
        return text.encode("cp1252")
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if "bom" in src.options else data


# ---------------------------------------------------------------- checks

def nhs_valid(value: str) -> bool:
    d = re.sub(r"\D", "", value)
    if len(d) != 10:
        return False
    r = 11 - sum(int(c) * (10 - i) for i, c in enumerate(d[:9])) % 11
    r = 0 if r == 11 else r
    return r != 10 and r == int(d[9])


def luhn_valid(value: str) -> bool:
    d = [int(c) for c in re.sub(r"\D", "", value)]
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2:
            x *= 2
            x -= 9 if x > 9 else 0
        total += x
    return len(d) >= 13 and total % 10 == 0


def iban_valid(value: str) -> bool:
    s = re.sub(r"\s", "", value).upper()
    r = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1


def check(src: Source, register: set[tuple[str, str]]) -> list[str]:
    problems = []
    prev = None
    for it in src.items:
        if it.kind in ("turn", "prompt"):
            if (src.file, it.speaker) not in register:
                problems.append(f"{src.file}: speaker {it.speaker!r} not in register")
            if it.speaker == prev and src.render != "srt_unlabelled":
                problems.append(f"{src.file}: two turns in a row by {it.speaker!r}")
            prev = it.speaker
            for u in it.units:
                for m in IDENT.finditer(u.text):
                    typ, val = m.group(1), m.group(2)
                    if typ not in TYPES:
                        problems.append(f"{src.file}: unknown type {typ!r}")
                    if typ == "Person" and re.match(r"(Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Councillor|Sir)\b", val):
                        problems.append(f"{src.file}: title inside a Person span: {val}")
                    digits = re.sub(r"\D", "", val)
                    if typ == "NHS number" and digits and not nhs_valid(val):
                        problems.append(f"{src.file}: NHS number fails mod 11: {val}")
                    if typ == "Card number" and digits and len(digits) >= 13 and not luhn_valid(val):
                        problems.append(f"{src.file}: card fails Luhn: {val}")
                    if typ == "Bank account" and re.fullmatch(r"[A-Z]{2}\d\d[A-Z0-9 ]{10,}", val) \
                            and not iban_valid(val):
                        problems.append(f"{src.file}: IBAN check digits wrong: {val}")
                leftover = IDENT.sub("", MARK.sub("", u.text))
                if "[[" in leftover or "{{" in leftover or "]]" in leftover or "}}" in leftover:
                    problems.append(f"{src.file}: unbalanced mark in {u.text[:30]!r}")
    return problems


def gold(src: Source) -> dict:
    turns, sections, metadata = [], [], list(src.meta)
    for it in src.items:
        if it.kind in ("turn", "prompt"):
            turns.append({"speaker": it.speaker, "text": gold_text(it.units)})
        elif it.kind == "section":
            sections.append(it.line)
        elif it.kind == "note":
            metadata.append(it.line)
    metadata += src.footer
    return {"file": src.file, "layout": src.layout, "turns": turns, "sections": sections,
            "metadata": metadata}


def build() -> int:
    stats = {}
    problems: list[str] = []
    for study_src in sorted(p for p in SOURCES.iterdir() if p.is_dir()):
        study = HERE / study_src.name
        reg_path = study / "register.csv"
        if not reg_path.exists():
            problems.append(f"{study.name}: no register.csv")
            continue
        with reg_path.open(encoding="utf-8", newline="") as fh:
            register = {(r["transcript"], r["speaker_label"]) for r in csv.DictReader(fh)}
        (study / "transcripts").mkdir(parents=True, exist_ok=True)
        (study / "gold").mkdir(parents=True, exist_ok=True)
        for path in sorted(study_src.glob("*.src")):
            src = parse(path)
            problems += check(src, register)
            data = r_docx(src) if src.render == "docx" else encode(src, RENDER[src.render](src))
            (study / "transcripts" / src.file).write_bytes(data)
            g = gold(src)
            (study / "gold" / f"{src.file}.json").write_text(
                json.dumps(g, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            ids = [m.group(1) for t in g["turns"] for m in IDENT.finditer(t["text"])]
            stats[f"{study_src.name}/{src.file}"] = (len(g["turns"]), len(ids))
    for p in problems:
        print("PROBLEM", p)
    total_t = total_i = 0
    for name, (t, i) in stats.items():
        print(f"{name:55s} turns {t:4d} identifiers {i:4d}")
        total_t += t
        total_i += i
    print(f"{len(stats)} transcripts, {total_t} turns, {total_i} identifiers")
    write_manifest()
    return 1 if problems else 0


def write_manifest() -> None:
    lines = []
    for p in sorted(HERE.rglob("*")):
        if p.is_file() and p.name != "MANIFEST.sha256" and "__pycache__" not in p.parts:
            rel = p.relative_to(HERE).as_posix()
            lines.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {rel}")
    (HERE / "MANIFEST.sha256").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(build())
