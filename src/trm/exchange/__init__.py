"""trm/1 exchange between nodes: the pure protocol core and its trust list."""
