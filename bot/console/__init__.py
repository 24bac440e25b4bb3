"""The product's web app: the website widget's files and demo page.

The staff escalation console will live here too (see :mod:`bot.console.routes`).
"""
