"""The integration API's services: tokens (issued, revoked, authenticated, rate limited), what a token reads,
the landlords' availability notices, and the events feed. See :mod:`commission.policy.integrations`."""
