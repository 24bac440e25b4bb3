"""The product's web app: widget files, demo page and the staff console.

The staff escalation console lives under ``/console/`` (see README.md here).
"""
