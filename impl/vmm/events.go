package vmm

// events is the VMM's event log in tla/'s trace format (filled in later).
type events struct{}
