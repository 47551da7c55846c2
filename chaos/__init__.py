"""The chaos run (`make chaos`): push stories while workers die, Redis restarts and partners flap.

When the faults stop, every story must reach every matching partner (nothing lost), no partner
may get one story version under two webhook-ids (nothing doubled), and no delivery may be in
flight twice at once. `make test` runs a reduced size (tests/chaos/).
"""
