"""People who work the queue: agents and admins, with argon2-hashed passwords."""
