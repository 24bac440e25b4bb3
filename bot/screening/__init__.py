"""The eligibility screening conversation, without Rasa.

The pieces the form's actions (``actions/screening.py``) call:

* :mod:`bot.screening.fields` – the values the screening collects, their names
  in plain words and how a value is read back to the patient;
* :mod:`bot.screening.answers` – short answers to the form's own questions
  ("none", "mild", "mg/dL", "yes");
* :mod:`bot.screening.plausibility` – conversation safeguards against typing
  slips (impossible values are asked again, implausible ones read back);
* :mod:`bot.screening.extraction` – one message to candidate values, through
  the lab-value extractor of :mod:`bot.nlp`;
* :mod:`bot.screening.flow` – which question comes next, and what one patient
  message changes;
* :mod:`bot.screening.result` – the facts for ``bot.eligibility.assess`` and
  the variables of the result messages;
* :mod:`bot.screening.storage` – the one adapter to ``bot.store``.
"""
