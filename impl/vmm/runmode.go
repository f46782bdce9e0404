package vmm

// What diff's run mode (diff.Runner, diff.FastPath) needs beyond Run,
// Retired and SetConsole: the guest's memory and device registers, in
// plain types.

// RAMPages calls visit for every 4 KiB page of guest RAM with its
// guest-physical address. visit must not keep page.
func (vm *VM) RAMPages(visit func(pa uint64, page []byte)) { vm.emu.RAMPages(visit) }

// ReadPhys loads size bytes at guest-physical address pa as a guest load
// reaches the VM's bus (no translation, no PMP): guest RAM, the boot ROM,
// or one of the VM's device registers.
func (vm *VM) ReadPhys(pa uint64, size int) (uint64, bool) { return vm.emu.ReadPhys(pa, size) }

// FastPath says what Run adds over Step: the guest runs directly on the
// engine, in budgets, between exits.
func (vm *VM) FastPath() string {
	return "direct execution on the engine (" + vm.host.FastPath() + "), exits emulated"
}
