"""What an operator watches: Prometheus metrics and the garbage-collection schedule.

Imports nothing of ours; every layer may import it.
"""
