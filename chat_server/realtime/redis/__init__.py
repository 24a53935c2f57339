"""The Redis implementations of the bus, presence and the shared rate limit, and the
one connection (``client``) whose pools they share."""
