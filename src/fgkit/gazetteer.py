"""Person-name lists shared by ingest (is this label a person?) and pseudonymisation (is this
word a name?), loaded once per process.

Many given names and surnames are also ordinary English words (Grace, Hope, Mark, Smith), which
word frequency alone cannot tell from "Action" or "Item". Faker is a maintained library whose
person providers carry census-derived name lists for about 80 locales; only the lists are used.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["person_names"]


@lru_cache(maxsize=2)
def person_names(english_only: bool = False) -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames), case-folded, from Faker's person providers for every locale, or
    only the English-language ones (``en``, ``en_GB``, ``en_IN``, ``en_NG``...)."""
    import importlib
    import pkgutil

    import faker.providers.person as person

    given: set[str] = set()
    surnames: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        if english_only and not (module.name == "en" or module.name.startswith("en_")):
            continue
        try:
            provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        except (ImportError, AttributeError):  # a locale a later Faker dropped or cannot load
            continue
        for attr, target in (("first_names", given), ("first_names_male", given),
                             ("first_names_female", given), ("first_names_nonbinary", given),
                             ("last_names", surnames)):
            # vars(), not getattr(): a locale's own lists, not those it inherits (read anyway).
            values = vars(provider).get(attr)
            if isinstance(values, (list, tuple, dict, set, frozenset)):
                target.update(v.casefold() for v in values if isinstance(v, str) and v.isalpha())
    return frozenset(given), frozenset(surnames)
