"""Seed phrases for guided candidate topics, taken from the codebook's phrase patterns.

The codebook YAML is read directly (``codes[].patterns.lemma`` and ``.lower`` lists): guided
topics only need the phrases, not the coder's matching rules.
"""

from __future__ import annotations

from ..errors import CodebookError

MAX_PHRASES = 12


def guided_seed_topics(project) -> list[list[str]]:
    """One list of seed phrases per code that has phrase patterns, in codebook order."""
    import yaml

    path = project.codebook_path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise CodebookError("codebook not found; fix [coding] codebook or turn off [topics] guided",
                            path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CodebookError("not valid YAML", path, mark.line + 1 if mark else None) from None
    codes = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(codes, list):
        raise CodebookError("no 'codes' list; guided topics need the codebook's phrases", path)
    seeds = []
    for code in codes:
        patterns = code.get("patterns") if isinstance(code, dict) else None
        if not isinstance(patterns, dict):
            continue
        phrases = [
            str(p).lower() for key in ("lemma", "lower") for p in patterns.get(key) or []
            if isinstance(p, str) and p.strip()
        ]
        phrases = list(dict.fromkeys(phrases))[:MAX_PHRASES]
        if phrases:
            seeds.append(phrases)
    if not seeds:
        raise CodebookError("no phrase patterns to guide candidate topics; turn off [topics] guided",
                            path)
    return seeds
