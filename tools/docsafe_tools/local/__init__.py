"""Local mode: the whole service on one machine, with moto as AWS."""
