#pragma once
/// KernelSources: the C files kernel-check writes next to the extracted code (from kernelcheck/c/).

namespace bridgepath {

/// kernelcheck/c/bridgepath_stub.h.
const char *kernelStubHeader();
/// kernelcheck/c/bridgepath_shim.c.
const char *kernelShim();

} // namespace bridgepath
