"""Live mode: the simulated factory against the wall clock, exposed as real OPC UA and Modbus
TCP endpoints, with the built-in software stubs as real OPC UA clients."""
