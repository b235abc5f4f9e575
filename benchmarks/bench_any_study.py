"""Score `fgkit run` on studies it has never seen: reading, identifier recall and precision.

For each study folder (``transcripts/``, ``register.csv`` and ``gold/`` with one JSON file per
transcript; by default every study under benchmarks/data/blind/) this script does what a new user
would do: ``fgkit init`` a fresh project in a temporary folder, copy the transcripts and the
register in, and run ``fgkit run --no-topics`` as a subprocess. It then compares what fgkit stored
(``data/fgkit.sqlite`` and ``data/anonymisation-log.csv``) with the gold files:

- reading: gold turns against turns read, the speaker sequence, the turn texts (lower-cased
  letter-and-digit token sequences), and whether a section heading or a metadata line ended up
  inside speech;
- recall: a gold identifier counts as removed when its text (and, for a person or a username,
  each part of the name; for a number, its last run of four or more digits) no longer appears in
  the pseudonymised text of the matching turn more often than it appears there outside
  identifiers. Gold turns are matched to stored turns by order when the counts agree, otherwise
  by aligning their token streams. Identifiers in transcripts for which fgkit kept no
  pseudonymised text are reported as "not measured", never as removed;
- precision: replacements in the anonymisation log that overlap no gold identifier, and how many
  of those are common lower-case English words (wordfreq's top 5,000, without the words of the
  register's names): the "ordinary words replaced" figure.

It never prints identifier values or speech: only types and counts. It always exits 0; it is a
benchmark, not a gate. If the run fails, it still measures what it can: transcripts left without
pseudonymised text are ingested and pseudonymised again in a scratch project, with drafted rows
for unregistered speaker labels and with the transcripts fgkit stops on set aside one round at a
time (marked "fallback" in the output).

Usage: python benchmarks/bench_any_study.py [STUDY_DIR ...] [--json]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

BLIND = Path(__file__).resolve().parent / "data" / "blind"
IDENT = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")
TIMEOUT = 3600


# ------------------------------------------------------------------ running fgkit

def fgkit_cmd() -> list[str]:
    exe = shutil.which("fgkit")
    return [exe] if exe else [sys.executable, "-m", "fgkit"]


def run(args: list[str], cwd: Path) -> tuple[int, str, float, str]:
    """Run one fgkit command; return exit code, last stderr line, seconds and all of stderr."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(fgkit_cmd() + args, cwd=cwd, capture_output=True, text=True,
                              timeout=TIMEOUT, env={**os.environ, "NO_COLOR": "1"})
        rc, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        rc, err = -1, f"timed out after {TIMEOUT} s"
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    return rc, (lines[-1][:240] if lines else ""), time.perf_counter() - t0, err


def make_project(study: Path, where: Path) -> Path:
    proj = where / "project"
    rc, last, _, _ = run(["init", str(proj)], where)
    if rc != 0:
        raise RuntimeError(f"fgkit init failed: {last}")
    dest = proj / "data" / "transcripts"
    dest.mkdir(parents=True, exist_ok=True)
    for f in sorted((study / "transcripts").iterdir()):
        if f.is_file():
            shutil.copy2(f, dest / f.name)
    shutil.copy2(study / "register.csv", proj / "data" / "participants.csv")
    return proj


def fallback_project(study: Path, where: Path) -> tuple[Path, list[str], dict | None]:
    """Ingest and pseudonymise what fgkit can, in a scratch project, so the rest can be scored.

    Rows are drafted for speaker labels missing from the register, and transcripts that fgkit
    names in an error are set aside one round at a time, so one transcript that stops fgkit does
    not hide how the others were read and pseudonymised. The store as it was after the first
    ingest that succeeded is returned too, so transcripts set aside later still count as read.
    """
    proj = make_project(study, where)
    folder = proj / "data" / "transcripts"
    notes: list[str] = []
    first_read = None
    rounds = len(list(folder.iterdir())) + 1

    def set_aside(err: str, step: str) -> bool:
        bad = [f for f in folder.iterdir() if f.stem in err]
        for f in bad:
            f.unlink()
        if bad:
            notes.append(f"fallback: {len(bad)} transcript(s) set aside after `fgkit {step}` stopped on them")
        return bool(bad)

    for _ in range(rounds):
        rc, _, _, err = run(["participants", "init"], proj)
        if rc == 0 or not set_aside(err, "participants init"):
            break
    if rc != 0:
        notes.append(f"fallback `fgkit participants init` exit {rc}")
        return proj, notes, first_read
    reg = proj / "data" / "participants.csv"
    with reg.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0].keys()) if rows else []
    for r in rows:
        r["role"] = r.get("role") or "participant"
        r["group"] = r.get("group") or "unregistered"
        r["consent"] = r.get("consent") or "given"
    if rows:
        with reg.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    for _ in range(rounds):
        rc, _, _, err = run(["ingest"], proj)
        if rc != 0:
            if set_aside(err, "ingest"):
                continue
            notes.append(f"fallback `fgkit ingest` exit {rc}")
            break
        if first_read is None:
            first_read = read_store(proj)
        rc, _, _, err = run(["pseudonymise"], proj)
        if rc == 0 or not set_aside(err, "pseudonymise"):
            if rc:
                notes.append(f"fallback `fgkit pseudonymise` exit {rc}")
            break
    return proj, notes, first_read


# ------------------------------------------------------------------ reading the outputs

def read_store(proj: Path) -> dict:
    out = {"turns": defaultdict(list), "pseudo": {}, "warnings": {}, "log": []}
    db = proj / "data" / "fgkit.sqlite"
    if db.exists():
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for row in con.execute("SELECT transcript, turn_index, turn_id, speaker_label, text "
                                   "FROM turns ORDER BY transcript, turn_index"):
                out["turns"][row[0]].append({"id": row[2], "speaker": row[3], "text": row[4]})
            for tid, text in con.execute("SELECT turn_id, text FROM pseudo_turns"):
                out["pseudo"][tid] = text
            for name, warn in con.execute("SELECT name, warnings FROM transcripts"):
                try:
                    out["warnings"][name] = len(json.loads(warn))
                except ValueError:
                    out["warnings"][name] = None
        except sqlite3.Error:
            pass
        finally:
            con.close()
    logs = sorted((proj / "data").glob("anonymisation-log*.csv"))
    if logs:
        with logs[0].open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                try:
                    out["log"].append((r["turn_id"], int(r["start"]), int(r["end"]), r.get("type", "")))
                except (KeyError, ValueError):
                    continue
    return out


# ------------------------------------------------------------------ text helpers

PUNCT = " \t\n.,;:!?-\"'()[]\u2013\u2014"
SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def same_length_norm(text: str) -> str:
    """Normalise spaces and quotes one character for one, so offsets stay valid."""
    return SPACES.sub(" ", unicodedata.normalize("NFC", text)).translate(QUOTES)


def tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).lower())


def label(text: str) -> str:
    return " ".join(SPACES.sub(" ", unicodedata.normalize("NFC", text)).split())


def compare_tokens(text: str) -> list[str]:
    toks = tokens(IDENT.sub(lambda m: m.group(2), text))
    # A numbered prompt may be stored with or without its "Question 3." number.
    if len(toks) >= 2 and toks[0] in ("question", "q") and toks[1].isdigit():
        toks = toks[2:]
    elif toks and re.fullmatch(r"q\d+", toks[0]):
        toks = toks[1:]
    return toks


def plain_with_spans(marked: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Gold text without markup, and the (start, end, type, value) of each identifier."""
    parts, spans, pos, last = [], [], 0, 0
    for m in IDENT.finditer(marked):
        parts.append(marked[last:m.start()])
        pos += m.start() - last
        value = m.group(2)
        spans.append((pos, pos + len(value), m.group(1), value))
        parts.append(value)
        pos += len(value)
        last = m.end()
    parts.append(marked[last:])
    return "".join(parts), spans


def pattern(piece: str) -> re.Pattern:
    words = [re.escape(w) for w in same_length_norm(piece).split()]
    return re.compile(r"(?<![^\W_])" + r"\s+".join(words) + r"(?![^\W_])")


def pieces(typ: str, value: str) -> list[str]:
    """The value, then the parts whose survival still identifies: each part of a name, and the
    last run of four or more digits of a number (a country code or mobile prefix left behind
    is not a leak; the tail of a phone, card, account or NHS number is)."""
    out = [value]
    if typ in ("Person", "Username"):
        out += [t for t in re.findall(r"[^\W\d_]{2,}", value) if t != value]
    runs = re.findall(r"\d{4,}", value)
    if runs and runs[-1] != value:
        out.append(runs[-1])
    return out


# ------------------------------------------------------------------ alignment

def align(gold: list[list[str]], stored: list[list[str]]) -> list[tuple[set, set]]:
    """Groups of gold turns and stored turns that hold the same speech."""
    n, m = len(gold), len(stored)
    if n == m:
        return [({i}, {i}) for i in range(n)]
    gflat = [(t, i) for i, toks in enumerate(gold) for t in toks]
    sflat = [(t, j) for j, toks in enumerate(stored) for t in toks]
    sm = difflib.SequenceMatcher(None, [t for t, _ in gflat], [t for t, _ in sflat], autojunk=False)
    g2s: dict[int, Counter] = defaultdict(Counter)
    s2g: dict[int, Counter] = defaultdict(Counter)
    for a, b, size in sm.get_matching_blocks():
        for k in range(size):
            gi, sj = gflat[a + k][1], sflat[b + k][1]
            g2s[gi][sj] += 1
            s2g[sj][gi] += 1
    parent = list(range(n + m))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for gi, c in g2s.items():
        parent[find(gi)] = find(n + c.most_common(1)[0][0])
    for sj, c in s2g.items():
        parent[find(n + sj)] = find(c.most_common(1)[0][0])
    groups: dict[int, tuple[set, set]] = {}
    for x in range(n + m):
        g = groups.setdefault(find(x), (set(), set()))
        (g[0] if x < n else g[1]).add(x if x < n else x - n)
    return [g for g in groups.values() if g[0] or g[1]]


# ------------------------------------------------------------------ scoring one transcript

def leaked_lines(lines: list[str], gold_texts: list[str], stored_texts: list[str]) -> int:
    gold_stream, stored_stream = " ".join(gold_texts), " ".join(stored_texts)
    leaks = 0
    for line in lines:
        toks = tokens(line)[:6]
        if not toks:
            continue
        pat = re.compile(r"(?<!\S)" + r" ".join(map(re.escape, toks)) + r"(?!\S)")
        if len(pat.findall(stored_stream)) > len(pat.findall(gold_stream)):
            leaks += 1
    return leaks


def score_transcript(gold: dict, stored: list[dict], pseudo: dict[str, str], log_by_turn: dict,
                     ordinary: set[str], have_pseudo: bool) -> dict:
    gturns = gold["turns"]
    gtok = [compare_tokens(t["text"]) for t in gturns]
    stok = [compare_tokens(t["text"]) for t in stored]
    res = {
        "gold_turns": len(gturns), "read_turns": len(stored),
        "speakers_exact": [label(t["speaker"]) for t in gturns] == [label(t["speaker"]) for t in stored],
        "texts_match": len(gturns) == len(stored) and gtok == stok,
        "texts_matching": sum(a == b for a, b in zip(gtok, stok)) if len(gturns) == len(stored) else 0,
        "token_similarity": round(difflib.SequenceMatcher(
            None, [t for x in gtok for t in x], [t for x in stok for t in x], autojunk=False).ratio(), 3),
    }
    gold_plain_tok = [" ".join(t) for t in gtok]
    stored_plain_tok = [" ".join(t) for t in stok]
    res["headings_in_speech"] = leaked_lines(gold.get("sections", []), gold_plain_tok, stored_plain_tok)
    res["metadata_in_speech"] = leaked_lines(gold.get("metadata", []), gold_plain_tok, stored_plain_tok)
    gold_speakers = {label(t["speaker"]) for t in gturns}
    res["unexpected_speakers"] = len({label(t["speaker"]) for t in stored} - gold_speakers)

    planted: Counter = Counter()
    removed: Counter = Counter()
    missed: Counter = Counter()
    unmeasured: Counter = Counter()
    tp = fp = fp_ordinary = 0
    fp_words: Counter = Counter()
    for gset, sset in align(gtok, stok):
        gidx, sidx = sorted(gset), sorted(sset)
        plain_parts, spans = [], []
        offset = 0
        for i in gidx:
            text, sp = plain_with_spans(gturns[i]["text"])
            spans += [(a + offset, b + offset, typ, val) for a, b, typ, val in sp]
            plain_parts.append(text)
            offset += len(text) + 2
        gplain = same_length_norm("\n\n".join(plain_parts))
        blanked = list(gplain)
        for a, b, _, _ in spans:
            blanked[a:b] = "\x00" * (b - a)
        blanked = "".join(blanked)
        if not have_pseudo:
            for _, _, typ, _ in spans:
                unmeasured[typ] += 1
        else:
            for _, _, typ, _ in spans:
                planted[typ] += 1
        # Recall: what is left of each identifier in the pseudonymised text.
        ptext = same_length_norm("\n\n".join(pseudo.get(stored[j]["id"], "") for j in sidx))
        by_value: dict[tuple[str, str], int] = Counter((typ, val) for _, _, typ, val in spans)
        consumed: Counter = Counter()
        # Longest values first, so a surname left inside a full name is counted once.
        for (typ, val), k in sorted(by_value.items(), key=lambda kv: -len(kv[0][1])):
            if not have_pseudo:
                continue
            # Speech the reader dropped cannot be credited to the pseudonymiser.
            remaining = 0 if sidx else k
            parts = pieces(typ, val)
            for n_piece, piece in enumerate(parts):
                if remaining >= k:
                    break
                pat = pattern(piece)
                extra = len(pat.findall(ptext)) - len(pat.findall(blanked)) - consumed[piece]
                take = min(k - remaining, extra)
                if take <= 0:
                    continue
                remaining += take
                consumed[piece] += take
                if n_piece == 0:  # the whole value is there, so are its parts
                    for other in parts[1:]:
                        consumed[other] += take
            removed[typ] += k - remaining
            if remaining:
                missed[typ] += remaining
        # Precision: each logged replacement against the gold identifiers in the raw turns.
        raw_parts, starts, pos = [], {}, 0
        for j in sidx:
            starts[stored[j]["id"]] = pos
            raw_parts.append(stored[j]["text"])
            pos += len(stored[j]["text"]) + 2
        raw = same_length_norm("\n\n".join(raw_parts))
        regions = []
        for (typ, val) in by_value:
            pat = pattern(val)
            g_all = [m.start() for m in pat.finditer(gplain)]
            marked = {a for a, _, t, v in spans if v == val and t == typ}
            r_all = list(pat.finditer(raw))
            if len(r_all) == len(g_all):
                regions += [(r.start(), r.end()) for r, g in zip(r_all, g_all) if g in marked]
            else:
                regions += [(r.start(), r.end()) for r in r_all]
        for j in sidx:
            tid = stored[j]["id"]
            for start, end, _typ in log_by_turn.get(tid, []):
                a, b = starts[tid] + start, starts[tid] + end
                if any(a < re_ and ra < b for ra, re_ in regions):
                    tp += 1
                    continue
                fp += 1
                word = raw[a:b].strip(PUNCT)
                words = [w.strip(PUNCT) for w in word.split() if w.strip(PUNCT)]
                if words and all(re.search(r"[a-z]", w) and w == w.lower() and w in ordinary
                                 for w in words):
                    fp_ordinary += 1
                    fp_words[word] += 1
    res.update(planted=dict(planted), removed=dict(removed), missed=dict(missed),
               not_measured=sum(unmeasured.values()),
               replacements_on_gold=tp, replacements_elsewhere=fp, ordinary_words_replaced=fp_ordinary,
               ordinary_words_distinct=len(fp_words))
    return res


# ------------------------------------------------------------------ one study

def register_name_words(register: Path) -> set[str]:
    words = set()
    with register.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            for field in ("full_name", "name_variants", "speaker_label"):
                words.update(tokens(r.get(field) or ""))
    return words


def score_study(study: Path, ordinary_all: set[str]) -> dict:
    out: dict = {"study": study.name, "notes": []}
    golds = {}
    for g in sorted((study / "gold").glob("*.json")):
        data = json.loads(g.read_text(encoding="utf-8"))
        golds[data.get("file") or g.name[:-5]] = data
    ordinary = ordinary_all - register_name_words(study / "register.csv")
    with tempfile.TemporaryDirectory(prefix="fgkit-blind-") as tmp:
        proj = make_project(study, Path(tmp))
        rc, last, secs, _ = run(["run", "--no-topics"], proj)
        out.update(exit_code=rc, seconds=round(secs, 1), last_stderr=last if rc else "")
        store = read_store(proj)
        fallback_for: set[str] = set()
        incomplete = [n for n in golds if not any(t["id"] in store["pseudo"]
                                                  for t in store["turns"].get(n, []))]
        if incomplete:
            fb_dir = Path(tmp) / "fallback"
            fb_dir.mkdir()
            try:
                fb_proj, notes, first_read = fallback_project(study, fb_dir)
                out["notes"] += notes
                last_read = read_store(fb_proj)
                for name in incomplete:
                    fb = last_read if name in last_read["turns"] else first_read
                    if not fb or name not in fb["turns"]:
                        continue
                    if name in store["turns"] and not any(t["id"] in fb["pseudo"] for t in fb["turns"][name]):
                        continue  # the fallback has nothing more for this one
                    fallback_for.add(name)
                    ids = {t["id"] for t in fb["turns"][name]}
                    store["turns"][name] = fb["turns"][name]
                    store["warnings"][name] = fb["warnings"].get(name)
                    store["pseudo"].update({i: fb["pseudo"][i] for i in ids if i in fb["pseudo"]})
                    store["log"] = [row for row in store["log"] if row[0] not in ids]
                    store["log"] += [row for row in fb["log"] if row[0] in ids]
            except Exception as exc:  # the scorer must still report what it has
                out["notes"].append(f"fallback failed: {type(exc).__name__}")
    log_by_turn: dict[str, list] = defaultdict(list)
    for tid, start, end, typ in store["log"]:
        log_by_turn[tid].append((start, end, typ))
    out["transcripts"] = {}
    for name, gold in golds.items():
        stored = store["turns"].get(name, [])
        have_pseudo = bool(stored) and any(t["id"] in store["pseudo"] for t in stored)
        try:
            res = score_transcript(gold, stored, store["pseudo"], log_by_turn, ordinary, have_pseudo)
        except Exception as exc:
            res = {"error": type(exc).__name__}
        res["fallback"] = name in fallback_for
        res["pseudonymised"] = have_pseudo
        res["warnings"] = store["warnings"].get(name)
        out["transcripts"][name] = res
    return out


def totals(studies: list[dict]) -> dict:
    planted: Counter = Counter()
    removed: Counter = Counter()
    agg = Counter()
    for s in studies:
        for r in s["transcripts"].values():
            if "error" in r:
                continue
            planted.update(r["planted"])
            removed.update(r["removed"])
            for k in ("gold_turns", "read_turns", "replacements_on_gold", "replacements_elsewhere",
                      "ordinary_words_replaced", "not_measured"):
                agg[k] += r[k]
            agg["transcripts"] += 1
            agg["speakers_exact"] += r["speakers_exact"]
            agg["texts_match"] += r["texts_match"]
            agg["headings_in_speech"] += r["headings_in_speech"]
            agg["metadata_in_speech"] += r["metadata_in_speech"]
    return {"planted": dict(planted), "removed": dict(removed), **agg}


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def summarise(s: dict) -> dict:
    t = totals([s])
    p, r = sum(t["planted"].values()), sum(t["removed"].values())
    on, off = t.get("replacements_on_gold", 0), t.get("replacements_elsewhere", 0)
    return {"recall_by_type": {k: [t["removed"].get(k, 0), v] for k, v in sorted(t["planted"].items())},
            "recall": [r, p], "person_recall": [t["removed"].get("Person", 0), t["planted"].get("Person", 0)],
            "replacements": on + off, "replacements_elsewhere": off,
            "precision": round(on / (on + off), 3) if on + off else None,
            "ordinary_words_replaced": t.get("ordinary_words_replaced", 0),
            "not_measured": t.get("not_measured", 0)}


def print_study(s: dict) -> None:
    print(f"\n== {s['study']}")
    line = f"fgkit run --no-topics: exit {s.get('exit_code')} in {s.get('seconds')} s"
    print(line + (f"; last stderr line: {s['last_stderr']}" if s.get("last_stderr") else ""))
    for n in s["notes"]:
        print(f"  note: {n}")
    print(f"  {'transcript':44s} {'gold':>5s} {'read':>5s} {'speakers':>9s} {'texts':>9s} {'sim':>6s}"
          f" {'head':>4s} {'meta':>4s} {'warn':>4s}  missed identifiers")
    for name, r in s["transcripts"].items():
        if "error" in r:
            print(f"  {name:44s} scorer error: {r['error']}")
            continue
        texts = "exact" if r["texts_match"] else (
            f"{r['texts_matching']}/{r['gold_turns']}" if r["gold_turns"] == r["read_turns"] else "differ")
        missed = ", ".join(f"{k} x{v}" for k, v in sorted(r["missed"].items()))
        flags = (["fallback"] if r["fallback"] else []) + ([] if r["pseudonymised"] else ["not pseudonymised"])
        flag = f" ({', '.join(flags)})" if flags else ""
        warn = "-" if r["warnings"] is None else str(r["warnings"])
        print(f"  {name:44s} {r['gold_turns']:5d} {r['read_turns']:5d} "
              f"{'exact' if r['speakers_exact'] else 'differ':>9s} {texts:>9s} {r['token_similarity']:6.3f}"
              f" {r['headings_in_speech']:4d} {r['metadata_in_speech']:4d} {warn:>4s}  {missed}{flag}")
    sm = s["summary"]
    print("  identifier recall by type: " + "; ".join(
        f"{k} {a}/{b}" for k, (a, b) in sm["recall_by_type"].items()))
    a, b = sm["recall"]
    pa, pb = sm["person_recall"]
    print(f"  overall recall {a}/{b} = {ratio(a, b)}; person recall {pa}/{pb} = {ratio(pa, pb)}")
    if sm["not_measured"]:
        print(f"  recall not measured on {sm['not_measured']} identifier(s): fgkit kept no pseudonymised "
              "text for their transcripts")
    print(f"  replacements {sm['replacements']}, of which on no gold identifier {sm['replacements_elsewhere']}"
          f" (precision {sm['precision']}); ordinary lower-case words replaced: {sm['ordinary_words_replaced']}")
    if s["study"].startswith("pii-stress"):
        if b:
            print(f"  pii stress test: {a} of {b} planted identifiers removed ({100 * a / b:.1f}%)"
                  + (f"; {sm['not_measured']} not measured" if sm["not_measured"] else ""))
        else:
            print(f"  pii stress test: not measured ({sm['not_measured']} planted; no pseudonymised text kept)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="*", type=Path)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    dirs = args.studies or sorted(p for p in BLIND.iterdir() if (p / "register.csv").exists())
    from wordfreq import top_n_list

    ordinary = set(top_n_list("en", 5000))
    results = []
    if not args.json:
        print("gold/read: turns; speakers, texts: exact or how many turns match; sim: token similarity;\n"
              "head/meta: headings and metadata lines inside speech; warn: warnings fgkit recorded")
    for d in dirs:
        try:
            s = score_study(d.resolve(), ordinary)
        except Exception as exc:
            s = {"study": d.name, "notes": [f"scorer failed: {type(exc).__name__}"], "transcripts": {}}
        s["summary"] = summarise(s)
        results.append(s)
        if not args.json:
            print_study(s)
    overall = totals(results)
    person = [overall["removed"].get("Person", 0), overall["planted"].get("Person", 0)]
    rec = [sum(overall["removed"].values()), sum(overall["planted"].values())]
    summary = {
        "studies": len(results),
        "runs_exit_0": sum(1 for s in results if s.get("exit_code") == 0),
        "transcripts": overall.get("transcripts", 0),
        "speakers_exact": overall.get("speakers_exact", 0), "texts_exact": overall.get("texts_match", 0),
        "gold_turns": overall.get("gold_turns", 0), "read_turns": overall.get("read_turns", 0),
        "headings_in_speech": overall.get("headings_in_speech", 0),
        "metadata_in_speech": overall.get("metadata_in_speech", 0),
        "recall": rec, "person_recall": person,
        "replacements_elsewhere": overall.get("replacements_elsewhere", 0),
        "ordinary_words_replaced": overall.get("ordinary_words_replaced", 0),
        "recall_not_measured": overall.get("not_measured", 0),
    }
    if args.json:
        print(json.dumps({"studies": results, "total": summary}, indent=1))
        return 0
    print("\n== all studies")
    print(f"  runs exiting 0: {summary['runs_exit_0']}/{summary['studies']}; transcripts with exact speakers "
          f"{summary['speakers_exact']}/{summary['transcripts']}, exact texts {summary['texts_exact']}/"
          f"{summary['transcripts']}; turns read {summary['read_turns']} of {summary['gold_turns']}")
    print(f"  headings in speech {summary['headings_in_speech']}, metadata lines in speech "
          f"{summary['metadata_in_speech']}")
    print(f"  recall {rec[0]}/{rec[1]} = {ratio(*rec)}; person recall {person[0]}/{person[1]} = {ratio(*person)}"
          + (f" (not measured on {summary['recall_not_measured']})" if summary["recall_not_measured"] else ""))
    print(f"  replacements on no gold identifier {summary['replacements_elsewhere']}; ordinary lower-case "
          f"words replaced {summary['ordinary_words_replaced']}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a benchmark, not a gate
        print(f"scorer failed: {type(exc).__name__}", file=sys.stderr)
    sys.exit(0)
