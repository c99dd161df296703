"""GraphQL for royalties: usage reports, whoGetsPaid, distributions, statements and earnings."""
