"""The domain of the AI-music registry: identifiers, rules and payout maths. No I/O lives here."""
