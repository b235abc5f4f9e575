"""Pseudonymisation: speaker pseudonyms, in-text scrubbing, the private key, the leak gate.

Heavy libraries (spaCy, Presidio) are imported only when detection runs.
"""

from .leakgate import Leak, run_leak_gate, scan_shareable

__all__ = ["Leak", "run_leak_gate", "scan_shareable"]
