#pragma once
/// KernelSources: the C files kernel-check writes into its scratch folder (from kernelcheck/c/).

namespace bridgepath {

/// kernelcheck/c/bridgepath_kernel.h: the emulation of the kernel API.
const char *kernelEmulationHeader();
/// kernelcheck/c/bridgepath_harness.c: the machine around the file (PCI core, LUO, KHO).
const char *kernelHarness();

} // namespace bridgepath
