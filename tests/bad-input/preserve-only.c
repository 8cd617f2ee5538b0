// bridgepath bad input: a liveupdate.c with the preserve API only.
int pci_liveupdate_preserve(struct pci_dev *dev)
{
	return 0;
}
