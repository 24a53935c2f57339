"""Settings and where the installation's files are.

``settings`` is the only reader of the environment (``CHAT_*``); ``assets`` finds the
widget, console and migrations in a checkout or a wheel. Imports nothing of ours.
"""
