"""W3C PROV exports of an output, a model or a work."""
