"""Four-eyes decisions: a change a policy holds for a second person is proposed by
one, and applies only once someone else holding ``case.approve`` approves it."""
