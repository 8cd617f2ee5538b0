/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's <linux/pci.h>: the types and lookups the exported tests use. */
#ifndef BRIDGEPATH_STANDIN_LINUX_PCI_H
#define BRIDGEPATH_STANDIN_LINUX_PCI_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define PCI_DEVFN(slot, func) ((((slot)&0x1f) << 3) | ((func)&0x07))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn)&0x07)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct pci_dev;

#ifdef __cplusplus
extern "C" {
#endif
struct pci_dev *pci_get_domain_bus_and_slot(int domain, unsigned int bus, unsigned int devfn);
void pci_dev_put(struct pci_dev *dev);
#ifdef __cplusplus
}
#endif

#endif
