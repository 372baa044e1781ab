"""The demo's case stories, one module per desk of the README's demo accounts."""
