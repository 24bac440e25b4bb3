"""The cryoablation patient assistant: everything that is not Rasa glue."""
