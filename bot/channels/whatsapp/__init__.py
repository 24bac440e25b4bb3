"""WhatsApp: the assistant on Meta's Cloud API and on Twilio (see README.md).

Pure pieces (no Rasa, no I/O): :mod:`.formatting`, :mod:`.options`,
:mod:`.render`, :mod:`.meta_payloads`, :mod:`.twilio_payloads`,
:mod:`.signatures`, :mod:`.media`, :mod:`.window`. Pieces with I/O:
:mod:`.graph_client` and :mod:`.twilio_client` (HTTP, injectable base URL),
:mod:`.inbound` (claim, store, process after the response), :mod:`.outbox`
(the sender), and the two Rasa channels :mod:`.meta_channel` and
:mod:`.twilio_channel`. :mod:`.standins` play the providers' APIs locally.
"""
