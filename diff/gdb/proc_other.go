//go:build !linux

package gdb

import "os/exec"

// setDeathSignal has no portable equivalent outside Linux; Close and the
// CLI's interrupt handler stop QEMU there.
func setDeathSignal(cmd *exec.Cmd) {}
