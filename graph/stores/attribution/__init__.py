"""Attribution: vendors, their reports and influences, flags and webhook deliveries."""
