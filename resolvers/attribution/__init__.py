"""Attribution over GraphQL (vendors, engagements, reports) and the vendors' signed webhook."""
