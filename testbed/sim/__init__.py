"""The SimPy engine: messages, links, components, faults and wiring."""
