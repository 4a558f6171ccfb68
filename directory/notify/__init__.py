"""Messages: queued in the outbox with the change that causes them (queue), delivered later (deliver)."""
