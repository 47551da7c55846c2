"""The chaos run (`make chaos`): push stories while workers die, Redis restarts and partners flap.

Every tenth story is updated during the run, and one partner takes German stories only. When the
faults stop, the latest version of every story must reach every partner whose filters match
(nothing lost), no partner may get one story version under two webhook-ids (nothing doubled),
and no delivery may be attempted twice at once. `make test` runs a reduced size (tests/chaos/).
"""
