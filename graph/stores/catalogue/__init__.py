"""The catalogue: creators, works, recordings and shares; their CWR import and the claims on them."""
