"""The merge stage: the contract (rules, lifecycle, keyed children) and the stores it drives."""
