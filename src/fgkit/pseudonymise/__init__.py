"""Pseudonymisation: speaker pseudonyms, in-text scrubbing, the private key, the leak gate.

Heavy libraries (spaCy, Presidio) are imported only when detection runs.
"""

from .leakgate import Leak, run_leak_gate, scan_shareable
from .run import PseudonymiseResult, pseudonymise_project

__all__ = ["Leak", "PseudonymiseResult", "pseudonymise_project", "run_leak_gate", "scan_shareable"]
