"""Test support: real local stand-ins for external services (Slack, SMTP) and small fakes."""
