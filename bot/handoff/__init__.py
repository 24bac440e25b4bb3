"""Escalation to human coordinators: tickets, priorities, alerts."""
