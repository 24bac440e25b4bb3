"""The clinical review of what the bot says: source support, register, wording.

``python -m scripts.clinical_review`` (``make review``) checks every text the
bot can send — every response file, the texts built in code — against the
clinical source and ``docs/clinical_review.md`` / ``docs/faithfulness.yml``,
and prints exactly what to add or fix. ``tests/review`` runs the same checks
in ``make test``. See ``docs/clinical_review.md`` for the rules.
"""
