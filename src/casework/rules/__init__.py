"""Transaction monitoring rules: a declarative condition language and its evaluation."""
