"""Mail: the outbox, in-app notifications, preferences, delivery and one-click unsubscribe."""
