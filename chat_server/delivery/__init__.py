"""Publishing: committed domain events become frames on the bus.

``publisher.BusPublisher`` turns events into frames through the one translator
(``wire.outbound``), each frame encoded once, and hands them to the bus; the web layer
gives it to the ``Runtime`` at start. Above the domain, so that domain code never
imports the translator: frames exist only above the domain. May import everything
below ``web``.
"""
