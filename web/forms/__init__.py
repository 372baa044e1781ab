"""The pages' forms, one module per area; they parse and validate, the services decide."""
