"""The wire: frames in and out, and the JSON shapes of rows.

``inbound`` validates client frames; ``outbound`` is the one place that turns domain
events (and replies) into frames, each encoded once; ``views`` renders rows in the
contract's shapes; ``envelope`` addresses an encoded frame to a topic; ``errors`` turns
failures into ``error`` frames. Pure: may import ``model`` and ``observe``, never
storage, the bus or sockets.
"""
