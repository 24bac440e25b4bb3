"""Local stand-ins for Meta's Graph API and Twilio's API, and webhook builders.

They follow the providers' published contracts closely enough that the
product's channels cannot tell them apart: the same paths, authentication,
request bodies (validated against the documented limits) and answers,
errors in the providers' own shapes, and status callbacks posted back to the
channel's webhook, signed as the providers sign them. Every request is
recorded; a test (or the bench) can tell them to fail (throttling, 5xx, a
timeout). Used by the tests, ``make bench`` and, in development, the console's
simulated phone (``/dev/whatsapp``), which mounts them under ``/dev/graph`` and
``/dev/twilio``.

Never used in production: nothing here is imported by the channels.
"""
