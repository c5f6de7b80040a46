"""Learning from accepted fixes: the nightly training round and its promotion gate."""
