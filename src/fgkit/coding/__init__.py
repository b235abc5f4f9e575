"""Coding: segments, rule coder, classifier coder, review decisions and agreement."""
