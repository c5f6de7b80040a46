"""The Saplings-compatible API: PatchGenerator and SelfHealingService."""
