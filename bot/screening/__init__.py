"""The eligibility screening conversation, without Rasa.

The state machine (:mod:`bot.screening.machine`) reads each message as an
answer first (:mod:`bot.screening.reading`), puts every value on the field it
is about, reads the values back before the result, and keeps taking
corrections after it. ``README.md`` in this package has the transition table
and says which files to touch to add a field, a unit or a transition.
"""
