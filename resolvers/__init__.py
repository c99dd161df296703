"""The GraphQL layer: strawberry types, queries, mutations, dataloaders and permissions, by domain."""
