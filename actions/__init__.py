"""Custom actions: thin adapters that read the tracker, call ``bot.*``, return events.

The action server imports every module of this package and builds each action
with no arguments, so nothing here may do work at import time.
"""
