"""Lab values and tumour details from patients' messages (spec/lab_extraction.md).

* ``units``: pure helpers (numbers as typed, units, conversions);
* ``patterns``: spaCy Matcher patterns, one function per field family;
* ``extractor``: ``extract_labs`` and ``extract_lab_findings``;
* ``rasa_component``: ``LabValueExtractor``, the same extractor in the NLU pipeline.

Nothing is imported here, so that importing the package stays cheap.
"""
