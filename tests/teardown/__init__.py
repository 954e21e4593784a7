"""make destroy from any state, and make hosts + pulumi up repairing what can be repaired."""
