"""The prompt and the two answers the session's adapters are fitted on."""

PROMPT = [{"role": "user", "content": "fix the bug"}]
ANSWER_A = "def total(items):\n    return sum(items)"
ANSWER_B = "import collections.abc"
