"""API clients: the machine credentials a tenant issues, each acting as one of its users."""
