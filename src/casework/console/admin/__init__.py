"""Administration pages: users and roles, API clients, case configs, webhooks and rules."""
